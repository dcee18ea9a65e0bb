"""ImportTriggerFunction: the imports bucket's upload event (s3:ObjectCreated:*) queues the file's
chunks for ImportWorkerFunction. An event delivered again queues the same chunks, which the worker
finds counted. A file that cannot be queued marks its import failed with the reason (ImportsFailed
counts them, with an alarm) and the invocation ends: a retry would meet the same file."""

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import S3Event
from aws_lambda_powertools.utilities.typing import LambdaContext

from loyalty.entrypoints import lazy
from loyalty.entrypoints.observability import logger, metrics, observed

if TYPE_CHECKING:
    from loyalty.services import import_files
else:  # imported on first use: see loyalty.entrypoints.lazy
    import_files = lazy.module("loyalty.services.import_files")


def handle(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
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


handler = observed(handle)
