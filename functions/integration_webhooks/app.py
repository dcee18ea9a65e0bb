"""POST /v1/integrations/{connection_id}/webhooks (no API key: the platform's HMAC authenticates it).

The raw body is handed to the service untouched: the signature is over its exact bytes, checked before
anything parses it. The answer comes at once; the work is queued for the accrual consumer.
"""

import base64
from typing import TYPE_CHECKING, Annotated, Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from loyalty.entrypoints import lazy
from loyalty.entrypoints.http import resolver, serve
from loyalty.models.common import CLIENT_ID_PATTERN
from loyalty.models.integrations import WebhookReceipt
from loyalty.models.problem import Problem

if TYPE_CHECKING:
    from loyalty.services.integrations import ingress
else:  # imported on first use: see loyalty.entrypoints.lazy
    ingress = lazy.module("loyalty.services.integrations.ingress")

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = resolver()

ConnectionId = Annotated[str, Path(pattern=CLIENT_ID_PATTERN, max_length=128)]


def _raw_body() -> bytes:
    event = app.current_event.raw_event
    body = event.get("body") or ""
    return base64.b64decode(body) if event.get("isBase64Encoded") else str(body).encode("utf-8")


@app.post(
    "/v1/integrations/<connection_id>/webhooks",
    summary="Receive a Shopify or WooCommerce webhook (signed by the platform; no API key)",
    tags=["integrations"],
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
@tracer.capture_method
def receive(connection_id: ConnectionId) -> WebhookReceipt:
    status = ingress.receive(connection_id, dict(app.current_event.headers), _raw_body())
    metrics.add_metric(name=f"PlatformWebhooks{status.capitalize()}", unit=MetricUnit.Count, value=1)
    return WebhookReceipt(status=status)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return serve(app, event, context)
