"""The Lambda handler of an SQS consumer: each record to its record handler (traced), the failed ones
reported alone (``batchItemFailures``), the invocation logged, traced and its metrics published."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.batch import (
    BasePartialBatchProcessor,
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.typing import LambdaContext

from loyalty.entrypoints import observability
from loyalty.entrypoints.observability import Handler


def batch_handler(
    processor: BasePartialBatchProcessor, record_handler: Callable[..., Any]
) -> Handler[PartialItemFailureResponse]:
    """The handler giving each record of the event to ``record_handler`` (a subsegment each, without what it
    returned: see loyalty.entrypoints.observability.observed) through ``processor``."""
    traced = observability.tracer.capture_method(capture_response=False)(record_handler)

    def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
        return process_partial_response(event=event, record_handler=traced, processor=processor, context=context)

    return observability.observed(handler)


def sqs_handler(record_handler: Callable[..., Any]) -> Handler[PartialItemFailureResponse]:
    """The handler of a standard SQS queue's consumer: ``batch_handler`` with a processor of its own."""
    return batch_handler(BatchProcessor(event_type=EventType.SQS), record_handler)
