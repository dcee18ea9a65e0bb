"""ImportTriggerFunction: the imports bucket's upload event (s3:ObjectCreated:*) queues the file's
chunks for ImportWorkerFunction. An event delivered again queues the same chunks, which the worker
finds counted."""

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import S3Event
from aws_lambda_powertools.utilities.typing import LambdaContext

from loyalty.entrypoints import lazy

if TYPE_CHECKING:
    from loyalty.services import imports
else:  # imported on first use: see loyalty.entrypoints.lazy
    imports = lazy.module("loyalty.services.imports")

logger = Logger()
tracer = Tracer()
metrics = Metrics()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    arrivals = []
    for record in S3Event(event).records:
        arrival = imports.file_arrived(record.s3.bucket.name, record.s3.get_object.key, record.s3.get_object.etag)
        logger.info("import file", extra={"import_id": arrival.import_id, "outcome": arrival.outcome})
        if arrival.outcome == "queued":
            metrics.add_metric(name="ImportChunksQueued", unit=MetricUnit.Count, value=arrival.chunks)
        arrivals.append(
            {"import_id": arrival.import_id, "outcome": arrival.outcome, "rows": arrival.rows, "chunks": arrival.chunks}
        )
    return {"imports": arrivals}
