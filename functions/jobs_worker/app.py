"""JobsWorkerFunction: works through the bucket shards a daily job queued (SQS, one shard per message).

A shard that is still not finished when the invocation's budget runs out is queued again from where it
stopped. A failing record is reported alone (batchItemFailures) and reaches the dead-letter queue after
three receives; its items stay in their bucket for the next daily run either way.
"""

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from loyalty.entrypoints import job_metrics, lazy
from loyalty.models.jobs import JobMessage

if TYPE_CHECKING:
    from loyalty.services.jobs import runner
else:  # imported on first use: see loyalty.entrypoints.lazy
    runner = lazy.module("loyalty.services.jobs.runner")

logger = Logger()
tracer = Tracer()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.SQS)


@tracer.capture_method
def handle_record(record: SQSRecord, lambda_context: LambdaContext | None = None) -> None:
    message = JobMessage.model_validate_json(record.body)
    logger.append_keys(job=message.job, day=message.day, shard=message.shard)
    remaining = lambda_context.get_remaining_time_in_millis() if lambda_context else None
    counts = runner.run_shard(message, runner.Budget.for_invocation(remaining))
    job_metrics.publish(metrics, counts)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(event=event, record_handler=handle_record, processor=processor, context=context)
