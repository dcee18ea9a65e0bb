"""The what-if simulator's upload event (SimulationWorkerFunction): an orders file uploaded under
simulations/ is replayed under the stored program and the proposed one, and the answer stored. An event
delivered again finds its simulation no longer waiting and runs nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import S3Event
from aws_lambda_powertools.utilities.typing import LambdaContext

from loyalty.entrypoints import lazy
from loyalty.entrypoints.observability import Handler, logger, metrics, observed

if TYPE_CHECKING:
    from loyalty.services import simulations
else:  # imported on first use: see loyalty.entrypoints.lazy
    simulations = lazy.module("loyalty.services.simulations")


def files_arrived(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    arrivals = []
    for record in S3Event(event).records:
        s3_object = record.s3.get_object
        size = s3_object.raw_event.get("size")
        arrival = simulations.file_arrived(record.s3.bucket.name, s3_object.key, s3_object.etag, size)
        logger.info(
            "simulation file",
            extra={"simulation_id": arrival.simulation_id, "outcome": arrival.outcome, "reason": arrival.reason},
        )
        if arrival.outcome == "failed":
            metrics.add_metric(name="SimulationsFailed", unit=MetricUnit.Count, value=1)
        arrivals.append({"simulation_id": arrival.simulation_id, "outcome": arrival.outcome})
    return {"simulations": arrivals}


def handler() -> Handler[dict[str, Any]]:
    """SimulationWorkerFunction's handler."""
    return observed(files_arrived)
