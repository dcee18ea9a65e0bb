"""The webhook delivery queue's records (SQS FIFO): one signed POST per message.

A failed attempt makes its message visible again after the backoff and is reported as a batch item
failure, so it stays at the head of its group (webhook + member) and the member's later events wait
behind it; SqsFifoPartialProcessor stops that group at the failure while other groups go on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from loyalty.entrypoints import lazy
from loyalty.entrypoints.batch import batch_handler
from loyalty.entrypoints.observability import Handler, metrics
from loyalty.models.webhooks import DeliveryMessage

if TYPE_CHECKING:
    from loyalty.services import webhooks
else:  # imported on first use: see loyalty.entrypoints.lazy
    webhooks = lazy.module("loyalty.services.webhooks")


class RetryLater(RuntimeError):
    """The attempt failed; the message comes back after its backoff."""


def deliver(record: SQSRecord) -> None:
    message = DeliveryMessage.model_validate_json(record.body)
    attempted = webhooks.attempt(message, record.receipt_handle)
    metrics.add_metric(name=f"WebhookDeliveries{attempted.outcome.capitalize()}", unit=MetricUnit.Count, value=1)
    if attempted.outcome == "retry":
        raise RetryLater(f"delivery of {message.event_id} to {message.webhook_id} retried in {attempted.retry_in} s")


def handler() -> Handler[PartialItemFailureResponse]:
    """WebhookDeliveryFunction's handler."""
    processor = SqsFifoPartialProcessor(skip_group_on_error=True)
    # A postponed attempt is an expected outcome, not an error: report it, never raise (which would count
    # as a function error and set off the errors alarm at every retry).
    processor.raise_on_entire_batch_failure = False
    return batch_handler(processor, deliver)
