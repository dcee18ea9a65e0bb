"""MaturePointsFunction: the daily run that makes pending points available (EventBridge Scheduler)."""

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from loyalty.entrypoints import lazy

if TYPE_CHECKING:
    from loyalty.services.jobs import runner
else:  # imported on first use: see loyalty.entrypoints.lazy
    runner = lazy.module("loyalty.services.jobs.runner")

logger = Logger()
tracer = Tracer()
metrics = Metrics()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    counts = runner.run_scheduled(["mature"], event, context.get_remaining_time_in_millis(), metrics)
    return counts["mature"]
