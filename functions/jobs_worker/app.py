"""JobsWorkerFunction: works through the index shards a daily job queued (SQS, one shard per message).

A shard that is still not finished when the invocation's budget runs out is queued again from where it
stopped. A failing record is reported alone (batchItemFailures) and reaches the dead-letter queue after
three receives; its items stay due for the next daily run either way.
"""

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from loyalty.entrypoints import jobs
from loyalty.entrypoints.batch import batch_handler
from loyalty.entrypoints.observability import logger, tracer

processor = BatchProcessor(event_type=EventType.SQS)


@tracer.capture_method
def handle_record(record: SQSRecord, lambda_context: LambdaContext | None = None) -> None:
    remaining = lambda_context.get_remaining_time_in_millis() if lambda_context else None
    message = jobs.run_message(record.body, remaining)
    logger.info("shard worked", extra={"job": message.job, "shard": message.shard})


handler = batch_handler(processor, handle_record)
