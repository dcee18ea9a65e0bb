"""The accrual queue's records: orders, refunds, and the Shopify and WooCommerce webhooks the
integration route verified and queued, through the same services as the API, one record at a time.

A record that fails (malformed, unknown member, a refund beyond the order) is reported alone in
``batchItemFailures``; the rest of the batch is deleted. After 3 receives SQS moves it to the DLQ.

A platform webhook's message is handled by loyalty.entrypoints.consumers.platform_webhooks.
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
from loyalty.entrypoints.consumers import platform_webhooks
from loyalty.entrypoints.observability import Handler, logger, metrics
from loyalty.models.common import read_json
from loyalty.models.integrations import IntegrationWebhook
from loyalty.models.order import AccrualMessage, OrderCompleted

if TYPE_CHECKING:
    from loyalty.services import accrual, refunds
else:  # imported on first use: see loyalty.entrypoints.lazy
    accrual = lazy.module("loyalty.services.accrual")
    refunds = lazy.module("loyalty.services.refunds")


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
        platform_webhooks.handle(message, record.message_id)
    else:
        logger.set_correlation_id(message.order_id)
        emit.refunded(metrics, refunds.refund(message.order_id, message.refund))


def handler() -> Handler[PartialItemFailureResponse]:
    """AccrualConsumerFunction's handler."""
    return sqs_handler(handle_record)
