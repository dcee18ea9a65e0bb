"""An API function's resolver (``api``: every route traced) and its Lambda handler (``http_handler``): its
routes, served by loyalty.entrypoints.http.serve, with the invocation logged, traced and its metrics
published (loyalty.entrypoints.observability).

Apart from loyalty.entrypoints.http so that importing the resolver (tests, the OpenAPI generator, the
health check) builds no Logger, Tracer or Metrics: see the observability module.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from loyalty.entrypoints import observability
from loyalty.entrypoints.http import resolver, serve
from loyalty.entrypoints.observability import Handler

REQUEST_ID = correlation_paths.API_GATEWAY_HTTP


def api(tags: list[str] | None = None) -> APIGatewayHttpResolver:
    """The resolver of an API function: loyalty.entrypoints.http's, each route traced (a subsegment named
    for its function, with what it returned or raised); ``tags``, the OpenAPI tags of a route naming none."""
    return resolver(around=observability.tracer.capture_method, tags=tags)


def http_handler(app: APIGatewayHttpResolver, correlation_id_path: str | None = REQUEST_ID) -> Handler[dict[str, Any]]:
    """The handler serving ``app``; its log lines carry the request id as correlation id, unless
    ``correlation_id_path`` is None (a route that sets its own, such as an order's id)."""

    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        return serve(app, event, context)

    return observability.observed(handler, correlation_id_path=correlation_id_path)
