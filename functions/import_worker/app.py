"""ImportWorkerFunction: imports the chunks of an import's file (SQS, a chunk per message).

A chunk that fails (a transaction contended past its retries, a throttle) is reported alone
(batchItemFailures) and retried: the members it imported are found imported, and its counts are added
once. On its last receive (the queue's maxReceiveCount) a failing chunk marks the import failed with the
lines it holds (ImportsFailed, with an alarm), then reaches the dead-letter queue: redriven and worked,
it finishes the import.
"""

from typing import TYPE_CHECKING

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from loyalty.entrypoints import lazy
from loyalty.entrypoints.batch import batch_handler
from loyalty.entrypoints.observability import logger, metrics, tracer
from loyalty.models.imports import ImportChunk

if TYPE_CHECKING:
    from loyalty.services import imports
else:  # imported on first use: see loyalty.entrypoints.lazy
    imports = lazy.module("loyalty.services.imports")

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


handler = batch_handler(processor, handle_record)
