"""The bulk import's two consumers: the imports bucket's upload event (ImportTriggerFunction) and the
chunks it queues (ImportWorkerFunction).

An upload event (s3:ObjectCreated:*) queues the file's chunks. An event delivered again queues the same
chunks, which the worker finds counted. A file that cannot be queued marks its import failed with the
reason (ImportsFailed counts them, with an alarm) and the invocation ends: a retry would meet the same
file.

A chunk that fails (a transaction contended past its retries, a throttle) is reported alone
(batchItemFailures) and retried: the members it imported are found imported, and its counts are added
once. On its last receive (the queue's maxReceiveCount) a failing chunk marks the import failed with the
lines it holds (ImportsFailed, with an alarm), then reaches the dead-letter queue: redriven and worked,
it finishes the import.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes import S3Event
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from loyalty.entrypoints import lazy
from loyalty.entrypoints.batch import sqs_handler
from loyalty.entrypoints.observability import Handler, logger, metrics, observed
from loyalty.models.imports import ImportChunk

if TYPE_CHECKING:
    from loyalty.services import import_files, imports
else:  # imported on first use: see loyalty.entrypoints.lazy
    imports = lazy.module("loyalty.services.imports")
    import_files = lazy.module("loyalty.services.import_files")


def files_arrived(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    arrivals = []
    for record in S3Event(event).records:
        s3_object = record.s3.get_object
        size = s3_object.raw_event.get("size")  # S3 always sends it; checked again while the file is read
        arrival = import_files.file_arrived(record.s3.bucket.name, s3_object.key, s3_object.etag, size)
        logger.info(
            "import file", extra={"import_id": arrival.import_id, "outcome": arrival.outcome, "reason": arrival.reason}
        )
        if arrival.outcome == "queued":
            metrics.add_metric(name="ImportChunksQueued", unit=MetricUnit.Count, value=arrival.chunks)
        if arrival.outcome == "failed":
            metrics.add_metric(name="ImportsFailed", unit=MetricUnit.Count, value=1)
        arrivals.append(
            {"import_id": arrival.import_id, "outcome": arrival.outcome, "rows": arrival.rows, "chunks": arrival.chunks}
        )
    return {"imports": arrivals}


def work_chunk(record: SQSRecord) -> None:
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


def trigger_handler() -> Handler[dict[str, Any]]:
    """ImportTriggerFunction's handler."""
    return observed(files_arrived)


def worker_handler() -> Handler[PartialItemFailureResponse]:
    """ImportWorkerFunction's handler."""
    return sqs_handler(work_chunk)
