"""Admin routes (scope admin) for events out and integrations in: webhook subscriptions, their delivery
log, and inbound commerce connections. Parsing and shaping only; rules live in the layer."""

from typing import TYPE_CHECKING, Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from aws_lambda_powertools.metrics import MetricUnit

from loyalty.entrypoints import lazy
from loyalty.entrypoints.handlers import api, http_handler
from loyalty.entrypoints.observability import logger, metrics
from loyalty.entrypoints.params import Cursor, Limit
from loyalty.entrypoints.routes import answered, body_doc
from loyalty.models.common import CLIENT_ID_PATTERN, Page
from loyalty.models.integrations import Connection, ConnectionRequest, PlatformEvent, PlatformEventStatus
from loyalty.models.problem import Problem
from loyalty.models.webhooks import Delivery, SecretRotated, Webhook, WebhookCreated, WebhookRequest

if TYPE_CHECKING:
    from loyalty.services import webhooks
    from loyalty.services.integrations import connections, events
else:  # imported on first use: see loyalty.entrypoints.lazy
    webhooks = lazy.module("loyalty.services.webhooks")
    connections = lazy.module("loyalty.services.integrations.connections")
    events = lazy.module("loyalty.services.integrations.events")

app = api(tags=["webhooks"])

WebhookId = Annotated[str, Path(pattern=CLIENT_ID_PATTERN, max_length=128)]
ConnectionId = Annotated[str, Path(pattern=CLIENT_ID_PATTERN, max_length=128)]
EventId = Annotated[str, Path(pattern=CLIENT_ID_PATTERN, max_length=128)]
NOT_FOUND = {
    404: {
        "description": "No such event for this connection (`not_found`)",
        "content": {"application/problem+json": {"model": Problem}},
    }
}


@app.put(
    "/v1/admin/webhooks/<webhook_id>",
    summary="Subscribe a URL to events (the signing secret is shown once, on creation)",
    responses={
        200: {"description": "Replaced (the secret is kept)", "content": {"application/json": {"model": Webhook}}},
        201: {"description": "Created, with its secret", "content": {"application/json": {"model": WebhookCreated}}},
    },
)
def put_webhook(webhook_id: WebhookId, body: Annotated[WebhookRequest, Body()]) -> Response[str]:
    webhook, created = webhooks.put(webhook_id, body)
    logger.info("webhook stored", extra={"webhook_id": webhook_id, "new": created})
    return answered(webhook.model_dump_json(), created, f"/v1/admin/webhooks/{webhook_id}")


@app.delete(
    "/v1/admin/webhooks/<webhook_id>",
    summary="Delete a webhook subscription",
    responses={204: {"description": "Deleted (also when there was none)"}},
)
def delete_webhook(webhook_id: WebhookId) -> Response[None]:
    webhooks.delete(webhook_id)
    return Response(status_code=204)


@app.post(
    "/v1/admin/webhooks/<webhook_id>/rotate-secret",
    summary="Replace a webhook's signing secret (the old one still signs beside it for 24 hours)",
    responses={404: {"description": "No such webhook"}},
)
def rotate_webhook_secret(webhook_id: WebhookId) -> SecretRotated:
    return webhooks.rotate_secret(webhook_id)


@app.get("/v1/admin/webhooks/<webhook_id>/deliveries", summary="A webhook's deliveries, newest first")
def list_deliveries(
    webhook_id: WebhookId,
    limit: Limit = 25,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> Page[Delivery]:
    return webhooks.deliveries(webhook_id, limit, cursor)


@app.put(
    "/v1/admin/integrations/<connection_id>",
    summary="Connect a Shopify or WooCommerce store (the secret is never shown again)",
    tags=["integrations"],
    responses=body_doc(201, "Connected", Connection),
)
def put_connection(connection_id: ConnectionId, body: Annotated[ConnectionRequest, Body()]) -> Response[str]:
    connection, created = connections.save(connection_id, body)
    logger.info("integration stored", extra={"connection_id": connection_id, "platform": body.platform})
    return answered(connection.model_dump_json(), created, f"/v1/admin/integrations/{connection_id}")


@app.get(
    "/v1/admin/integrations/<connection_id>/events",
    summary="A connection's platform events that were not applied as they came, newest first",
    description="`status=failed` (the default) lists what cannot be applied, with its reason; `held` what "
    "waits for its order; `applied`, `skipped` and `dismissed` what became of the others (kept 90 days).",
    tags=["integrations"],
)
def list_events(
    connection_id: ConnectionId,
    status: Annotated[PlatformEventStatus, Query()] = "failed",
    limit: Limit = 25,
    cursor: Cursor = None,
) -> Page[PlatformEvent]:
    return events.page(connection_id, status, limit, cursor)


@app.post(
    "/v1/admin/integrations/<connection_id>/events/<event_id>/retry",
    summary="Try a platform event again (its order may have come, or the admin made room for it)",
    description="200 with the event as it is after the attempt: `applied`, or still `failed`/`held` with "
    "its reason. An applied event is answered unchanged.",
    tags=["integrations"],
    responses=NOT_FOUND,
)
def retry_event(connection_id: ConnectionId, event_id: EventId) -> PlatformEvent:
    event, failed = events.retry(connection_id, event_id)
    if failed:
        metrics.add_metric(name="PlatformEventsFailed", unit=MetricUnit.Count, value=1)
    logger.info("platform event retried", extra={"event_id": event_id, "status": event.status})
    return event


@app.post(
    "/v1/admin/integrations/<connection_id>/events/<event_id>/dismiss",
    summary="Stop waiting for or retrying a platform event",
    description="200 with the event, `dismissed` (held or failed before; a dismissed refund is not applied "
    "when its order comes); an applied or skipped event is answered unchanged.",
    tags=["integrations"],
    responses=NOT_FOUND,
)
def dismiss_event(connection_id: ConnectionId, event_id: EventId) -> PlatformEvent:
    event = events.dismiss(connection_id, event_id)
    logger.info("platform event dismissed", extra={"event_id": event_id, "status": event.status})
    return event


handler = http_handler(app)
