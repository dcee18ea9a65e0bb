"""Admin routes (scope admin) for events out and integrations in: webhook subscriptions, their delivery
log, and inbound commerce connections. Parsing and shaping only; rules live in the layer."""

from typing import TYPE_CHECKING, Annotated, Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from loyalty.entrypoints import lazy
from loyalty.entrypoints.http import resolver, serve
from loyalty.models.common import CLIENT_ID_PATTERN, Page
from loyalty.models.integrations import Connection, ConnectionRequest
from loyalty.models.webhooks import Delivery, SecretRotated, Webhook, WebhookCreated, WebhookRequest

if TYPE_CHECKING:
    from loyalty.services import webhooks
    from loyalty.services.integrations import connections
else:  # imported on first use: see loyalty.entrypoints.lazy
    webhooks = lazy.module("loyalty.services.webhooks")
    connections = lazy.module("loyalty.services.integrations.connections")

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = resolver()

WebhookId = Annotated[str, Path(pattern=CLIENT_ID_PATTERN, max_length=128)]
ConnectionId = Annotated[str, Path(pattern=CLIENT_ID_PATTERN, max_length=128)]


def _created(location: str, body: str) -> Response[str]:
    return Response(201, "application/json", body, headers={"Location": location})


@app.put(
    "/v1/admin/webhooks/<webhook_id>",
    summary="Subscribe a URL to events (the signing secret is shown once, on creation)",
    tags=["webhooks"],
    responses={
        200: {"description": "Replaced (the secret is kept)", "content": {"application/json": {"model": Webhook}}},
        201: {"description": "Created, with its secret", "content": {"application/json": {"model": WebhookCreated}}},
    },
)
@tracer.capture_method
def put_webhook(webhook_id: WebhookId, body: Annotated[WebhookRequest, Body()]) -> Response[str]:
    webhook, created = webhooks.put(webhook_id, body)
    logger.info("webhook stored", extra={"webhook_id": webhook_id, "new": created})
    if created:
        return _created(f"/v1/admin/webhooks/{webhook_id}", webhook.model_dump_json())
    return Response(200, "application/json", webhook.model_dump_json())


@app.delete(
    "/v1/admin/webhooks/<webhook_id>",
    summary="Delete a webhook subscription",
    tags=["webhooks"],
    responses={204: {"description": "Deleted (also when there was none)"}},
)
@tracer.capture_method
def delete_webhook(webhook_id: WebhookId) -> Response[None]:
    webhooks.delete(webhook_id)
    return Response(status_code=204)


@app.post(
    "/v1/admin/webhooks/<webhook_id>/rotate-secret",
    summary="Replace a webhook's signing secret (the old one still signs beside it for 24 hours)",
    tags=["webhooks"],
    responses={404: {"description": "No such webhook"}},
)
@tracer.capture_method
def rotate_webhook_secret(webhook_id: WebhookId) -> SecretRotated:
    return webhooks.rotate_secret(webhook_id)


@app.get(
    "/v1/admin/webhooks/<webhook_id>/deliveries",
    summary="A webhook's deliveries, newest first",
    tags=["webhooks"],
)
@tracer.capture_method
def list_deliveries(
    webhook_id: WebhookId,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> Page[Delivery]:
    return webhooks.deliveries(webhook_id, limit, cursor)


@app.put(
    "/v1/admin/integrations/<connection_id>",
    summary="Connect a Shopify or WooCommerce store (the secret is never shown again)",
    tags=["integrations"],
    responses={201: {"description": "Connected", "content": {"application/json": {"model": Connection}}}},
)
@tracer.capture_method
def put_connection(connection_id: ConnectionId, body: Annotated[ConnectionRequest, Body()]) -> Response[str]:
    connection, created = connections.save(connection_id, body)
    logger.info("integration stored", extra={"connection_id": connection_id, "platform": body.platform})
    if created:
        return _created(f"/v1/admin/integrations/{connection_id}", connection.model_dump_json())
    return Response(200, "application/json", connection.model_dump_json())


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return serve(app, event, context)
