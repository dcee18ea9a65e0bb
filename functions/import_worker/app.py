"""ImportWorkerFunction: imports the chunks of an import's file (SQS, a chunk per message).

A chunk that fails (a transaction contended past its retries, a throttle) is reported alone
(batchItemFailures) and retried: the members it imported are found imported, and its counts are added
once. On its last receive (the queue's maxReceiveCount) a failing chunk marks the import failed with the
lines it holds (ImportsFailed, with an alarm), then reaches the dead-letter queue: redriven and worked,
it finishes the import.
"""

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from loyalty.entrypoints import lazy
from loyalty.models.imports import ImportChunk

if TYPE_CHECKING:
    from loyalty.services import imports
else:  # imported on first use: see loyalty.entrypoints.lazy
    imports = lazy.module("loyalty.services.imports")

logger = Logger()
tracer = Tracer()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.SQS)


@tracer.capture_method
def handle_record(record: SQSRecord) -> None:
    message = ImportChunk.model_validate_json(record.body)
    # Lambda always sends it; a record without it (a hand-made event) is a first receive.
    receives = int(record.raw_event.get("attributes", {}).get("ApproximateReceiveCount") or 1)
    try:
        worked = imports.work_chunk(message, receives)
    except Exception:
        if receives >= imports.MAX_RECEIVES:
            metrics.add_metric(name="ImportsFailed", unit=MetricUnit.Count, value=1)
        raise
    logger.info(
        "import chunk", extra={"import_id": message.import_id, "chunk": worked.chunk, "counted": worked.counted}
    )
    metrics.add_metric(name="MembersImported", unit=MetricUnit.Count, value=worked.imported)
    metrics.add_metric(name="ImportLinesRejected", unit=MetricUnit.Count, value=worked.rejected)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(event=event, record_handler=handle_record, processor=processor, context=context)
