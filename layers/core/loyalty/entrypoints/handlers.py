"""An API function's resolver (``api``: every route traced) and its Lambda handler (``http_handler``): its
routes, served by loyalty.entrypoints.http.serve, with the invocation logged, traced and its metrics
published (loyalty.entrypoints.observability).

Each route is traced by a middleware (``traced_route``), not by wrapping its function in
``Tracer.capture_method``, for two reasons:
- Powertools resolves a route's string annotations (a module with ``from __future__ import annotations``,
  whose models load on first use: loyalty.entrypoints.lazy) in the globals of the function it was given.
  A wrapper's globals are the tracer module's, where none of the route's names resolve.
- ``capture_method`` puts what the route returned (a member, an export: personal data) into the trace
  as metadata, where erasure cannot reach it, and logs every error a route raises (a 404 too) with its
  message. The middleware records the subsegment, its time and its fault, and nothing of the answer.

Apart from loyalty.entrypoints.http so that importing the resolver (tests, the OpenAPI generator, the
health check) builds no Logger, Tracer or Metrics: see the observability module.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from loyalty.entrypoints import observability
from loyalty.entrypoints.http import resolver, serve
from loyalty.entrypoints.observability import Handler

REQUEST_ID = correlation_paths.API_GATEWAY_HTTP


def api(tags: list[str] | None = None) -> APIGatewayHttpResolver:
    """The resolver of an API function: loyalty.entrypoints.http's, each route traced (``traced_route``);
    ``tags``, the OpenAPI tags of a route naming none."""
    app = resolver(tags=tags)
    app.use([traced_route])
    return app


def traced_route(app: APIGatewayHttpResolver, next_middleware: NextMiddleware) -> Response[Any]:
    """The route in a subsegment named for its function (``## get_program``, as Tracer.capture_method
    names one), around the route and the serialising of its answer; an exception it raises marks the
    subsegment as the X-Ray SDK does. Request validation runs before it (Powertools runs it first)."""
    route = app.context.get("_route")
    name = getattr(getattr(route, "func", None), "__name__", "route")
    with observability.tracer.provider.in_subsegment(name=f"## {name}"):
        return next_middleware(app)


def http_handler(app: APIGatewayHttpResolver, correlation_id_path: str | None = REQUEST_ID) -> Handler[dict[str, Any]]:
    """The handler serving ``app``; its log lines carry the request id as correlation id, unless
    ``correlation_id_path`` is None (a route that sets its own, such as an order's id)."""

    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        return serve(app, event, context)

    return observability.observed(handler, correlation_id_path=correlation_id_path)
