"""POST /v1/integrations/{connection_id}/webhooks (no API key: the platform's HMAC authenticates it).

The raw body is handed to the service untouched: the signature is over its exact bytes, checked before
anything parses it. The answer comes at once; the work is queued for the accrual consumer.
"""

from typing import TYPE_CHECKING, Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.metrics import MetricUnit

from loyalty.entrypoints import lazy
from loyalty.entrypoints.handlers import api, http_handler
from loyalty.entrypoints.observability import metrics
from loyalty.entrypoints.routes import raw_body
from loyalty.models.common import CLIENT_ID_PATTERN
from loyalty.models.integrations import WebhookReceipt
from loyalty.models.problem import Problem

if TYPE_CHECKING:
    from loyalty.services.integrations import ingress
else:  # imported on first use: see loyalty.entrypoints.lazy
    ingress = lazy.module("loyalty.services.integrations.ingress")

app = api(tags=["integrations"])

ConnectionId = Annotated[str, Path(pattern=CLIENT_ID_PATTERN, max_length=128)]


@app.post(
    "/v1/integrations/<connection_id>/webhooks",
    summary="Receive a Shopify or WooCommerce webhook (signed by the platform; no API key)",
    responses={
        200: {
            "description": "Queued, ignored (a topic not used) or a WooCommerce ping",
            "content": {"application/json": {"model": WebhookReceipt}},
        },
        401: {
            "description": "The platform's signature is missing or does not match (or no such connection)",
            "content": {"application/problem+json": {"model": Problem}},
        },
        413: {
            "description": "The body is larger than 3 MB (checked before anything else)",
            "content": {"application/problem+json": {"model": Problem}},
        },
    },
)
def receive(connection_id: ConnectionId) -> WebhookReceipt:
    status = ingress.receive(connection_id, dict(app.current_event.headers), raw_body(app))
    metrics.add_metric(name=f"PlatformWebhooks{status.capitalize()}", unit=MetricUnit.Count, value=1)
    return WebhookReceipt(status=status)


handler = http_handler(app)
