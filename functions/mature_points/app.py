"""MaturePointsFunction: the daily run that makes pending points available (EventBridge Scheduler), and
fails the platform refunds held for an order that did not come in time (the same index, GSI2)."""

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from loyalty.entrypoints import jobs

logger = Logger()
tracer = Tracer()
metrics = Metrics()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    counts = jobs.run_scheduled(["mature", "fail_held"], event, context.get_remaining_time_in_millis(), metrics)
    return counts["mature"]
