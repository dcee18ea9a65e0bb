"""ReminderEmailsFunction: the daily re-engagement emails (EventBridge Scheduler) - reminders of points
about to expire, then dormant members. One member's email at most per cooldown, whichever comes first."""

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
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, dict[str, int]]:
    jobs = ["remind_expiring", "remind_dormant"]  # one email per member per cooldown: whichever claims it first
    return runner.run_scheduled(jobs, event, context.get_remaining_time_in_millis(), metrics)
