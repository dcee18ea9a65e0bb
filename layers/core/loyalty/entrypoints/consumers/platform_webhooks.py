"""A verified Shopify or WooCommerce webhook on the accrual queue (loyalty.entrypoints.consumers.accrual
hands it here): its message points at its body in the stack's bucket, read there and deleted once
processed. A pointer whose body is gone was processed already (SQS delivers at least once) or erased
since: nothing is left to do. What came of it is counted: orders by outcome, events held, failed and
skipped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_lambda_powertools.metrics import MetricUnit

from loyalty.entrypoints import lazy
from loyalty.entrypoints import metrics as emit
from loyalty.entrypoints.observability import logger, metrics
from loyalty.models.integrations import IntegrationWebhook

if TYPE_CHECKING:
    from loyalty.services.integrations import bodies
    from loyalty.services.integrations import process as integrations
else:  # imported on first use: see loyalty.entrypoints.lazy
    integrations = lazy.module("loyalty.services.integrations.process")
    bodies = lazy.module("loyalty.services.integrations.bodies")


def handle(message: IntegrationWebhook, message_id: str) -> None:
    """Process the webhook the message points at (``message_id``: the queue record's, for the logs)."""
    loaded = bodies.load(message)
    if loaded is None:
        metrics.add_metric(name="PlatformBodiesGone", unit=MetricUnit.Count, value=1)
        logger.info("inbound body already processed or erased", extra={"message_id": message_id})
        return
    processed = integrations.process(loaded)
    bodies.discard(message)
    metrics.add_metric(name=f"PlatformOrders{processed.outcome.capitalize()}", unit=MetricUnit.Count, value=1)
    for accrued in processed.accrued:
        emit.accrued(metrics, accrued)
    for refunded in processed.refunded:
        emit.refunded(metrics, refunded)
    # Held: waiting for their order. Failed: listed for the admin (GET .../events?status=failed) and
    # alarmed on. Skipped (no member, say) is a legitimate outcome: counted and logged by reason.
    if processed.held:
        metrics.add_metric(name="PlatformEventsHeld", unit=MetricUnit.Count, value=processed.held)
    if processed.failed:
        metrics.add_metric(name="PlatformEventsFailed", unit=MetricUnit.Count, value=len(processed.failed))
    if processed.skipped:
        metrics.add_metric(name="PlatformEventsSkipped", unit=MetricUnit.Count, value=len(processed.skipped))
        logger.info("platform event skipped", extra={"reasons": processed.skipped})
