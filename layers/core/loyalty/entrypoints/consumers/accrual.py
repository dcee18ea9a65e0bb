"""The accrual queue's records: orders, refunds, and the Shopify and WooCommerce webhooks the
integration route verified and queued, through the same services as the API, one record at a time.

A record that fails (malformed, unknown member, a refund beyond the order) is reported alone in
``batchItemFailures``; the rest of the batch is deleted. After 3 receives SQS moves it to the DLQ.

A platform webhook's message points at its body in the stack's bucket: read there, deleted once
processed. A pointer whose body is gone was processed already (SQS delivers at least once) or erased
since: nothing is left to do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from pydantic import ValidationError

from loyalty.entrypoints import lazy
from loyalty.entrypoints import metrics as emit
from loyalty.entrypoints.batch import sqs_handler
from loyalty.entrypoints.observability import Handler, logger, metrics
from loyalty.models.common import read_json
from loyalty.models.integrations import IntegrationWebhook
from loyalty.models.order import AccrualMessage, OrderCompleted

if TYPE_CHECKING:
    from loyalty.services import accrual, refunds
    from loyalty.services.integrations import bodies
    from loyalty.services.integrations import process as integrations
else:  # imported on first use: see loyalty.entrypoints.lazy
    accrual = lazy.module("loyalty.services.accrual")
    refunds = lazy.module("loyalty.services.refunds")
    integrations = lazy.module("loyalty.services.integrations.process")
    bodies = lazy.module("loyalty.services.integrations.bodies")


class MalformedMessage(ValueError):
    """A queue record that is not an accrual message: it fails alone and reaches the DLQ."""


def _kinds(error: ValueError) -> str:
    """Where and how the message is wrong, never what it contains."""
    if isinstance(error, ValidationError):
        return "; ".join(f"{'.'.join(str(part) for part in item['loc'])}: {item['type']}" for item in error.errors())
    return "not JSON"


def handle_record(record: SQSRecord) -> None:
    try:
        message = AccrualMessage.model_validate({"message": read_json(record.body)}).message
    except ValueError as error:
        metrics.add_metric(name="MalformedMessages", unit=MetricUnit.Count, value=1)
        logger.warning("malformed accrual message", extra={"message_id": record.message_id})
        # The parser's own message quotes the input, which may hold personal data: fail the record
        # with a message of our own, and without chaining the original.
        raise MalformedMessage(
            f"message {record.message_id} is not a valid accrual message ({_kinds(error)})"
        ) from None
    if isinstance(message, OrderCompleted):
        logger.set_correlation_id(message.order.order_id)
        emit.accrued(metrics, accrual.accrue(message.order))
    elif isinstance(message, IntegrationWebhook):
        logger.set_correlation_id(message.delivery_id)
        _platform_webhook(message, record.message_id)
    else:
        logger.set_correlation_id(message.order_id)
        emit.refunded(metrics, refunds.refund(message.order_id, message.refund))


def _platform_webhook(message: IntegrationWebhook, message_id: str) -> None:
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


def handler() -> Handler[PartialItemFailureResponse]:
    """AccrualConsumerFunction's handler."""
    return sqs_handler(handle_record)
