"""ReminderEmailsFunction: the daily re-engagement emails (EventBridge Scheduler) - reminders of points
about to expire, then dormant members. One member's email at most per cooldown, whichever comes first."""

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
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, dict[str, int]]:
    names = ["remind_expiring", "remind_dormant"]  # one email per member per cooldown: whichever claims it first
    return jobs.run_scheduled(names, event, context.get_remaining_time_in_millis(), metrics)
