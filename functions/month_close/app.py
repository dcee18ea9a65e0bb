"""MonthCloseFunction: on the 1st of each month (EventBridge Scheduler), freezes the roll-forward of the
month that just ended, so the books a finance team closed never move (a later correction is a movement
of the month it is made in)."""

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from loyalty.entrypoints import job_metrics, lazy
from loyalty.models.jobs import ScheduledEvent

if TYPE_CHECKING:
    from loyalty.services import reports
else:  # imported on first use: see loyalty.entrypoints.lazy
    reports = lazy.module("loyalty.services.reports")

logger = Logger()
tracer = Tracer()
metrics = Metrics()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    scheduled = ScheduledEvent.model_validate(event)
    closed = reports.close_month(scheduled.scheduled_time)
    job_metrics.publish(metrics, {"months_closed": int(closed.newly_frozen)})
    result = {
        "month": closed.month,
        "closing_points": closed.points,
        "closing_money_minor": closed.money_minor,
        "newly_frozen": closed.newly_frozen,
    }
    logger.info("month closed", extra=result)
    return result
