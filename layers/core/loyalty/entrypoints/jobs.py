"""What the daily jobs' handlers do: read the event (the scheduler's, or the jobs queue's message), run
the job for its day within the invocation's budget, and publish what it did as metrics.

``scheduled_handler``, ``job_handler`` and ``worker_handler`` make the Lambda handlers
(loyalty.entrypoints.observability logs, traces and publishes their metrics): a scheduled function's
``app.py`` names its jobs, nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from loyalty.entrypoints import job_metrics, lazy, observability
from loyalty.entrypoints.batch import sqs_handler
from loyalty.entrypoints.observability import Handler, logger, metrics
from loyalty.models.jobs import JobMessage, ScheduledEvent

if TYPE_CHECKING:
    from loyalty.services import reports
    from loyalty.services.jobs import catalog, runner
else:  # imported on first use: see loyalty.entrypoints.lazy
    catalog = lazy.module("loyalty.services.jobs.catalog")
    runner = lazy.module("loyalty.services.jobs.runner")
    reports = lazy.module("loyalty.services.reports")

type Run[T] = Callable[[dict[str, Any], int | None], T]


def job_handler[T](run: Run[T]) -> Handler[T]:
    """The handler calling ``run`` with the event and the milliseconds the invocation has left."""

    def handler(event: dict[str, Any], context: LambdaContext) -> T:
        return run(event, context.get_remaining_time_in_millis())

    return observability.observed(handler)


def scheduled_handler(names: Sequence[str], answer: str | None = None) -> Handler[Any]:
    """The handler of a scheduled function running the jobs ``names`` in that order for the scheduled day;
    it returns the counts of job ``answer``, or of each job by name when ``answer`` is None."""

    def run(event: dict[str, Any], remaining_millis: int | None) -> Any:
        results = run_scheduled(names, event, remaining_millis)
        return results if answer is None else results[answer]

    return job_handler(run)


def run_scheduled(
    names: Sequence[str], event: dict[str, Any], remaining_millis: int | None
) -> dict[str, dict[str, int]]:
    """A scheduled run: the scheduled time its event carries fixes the day; each named job runs for it."""
    scheduled = ScheduledEvent.model_validate(event)
    budget = runner.Budget.for_invocation(remaining_millis)
    results: dict[str, dict[str, int]] = {}
    for name in names:
        counts = catalog.run_day(name, scheduled.scheduled_time, budget)
        job_metrics.publish(metrics, counts)
        results[name] = dict(counts)
    return results


def run_message(body: str, remaining_millis: int | None) -> JobMessage:
    """A jobs queue message: one shard of a job's index, from where the last invocation stopped."""
    message = JobMessage.model_validate_json(body)
    counts = catalog.run_shard(message, runner.Budget.for_invocation(remaining_millis))
    job_metrics.publish(metrics, counts)
    return message


def work_shard(record: SQSRecord, lambda_context: LambdaContext | None = None) -> None:
    """A jobs queue record: its shard worked within what the invocation has left."""
    remaining = lambda_context.get_remaining_time_in_millis() if lambda_context else None
    message = run_message(record.body, remaining)
    logger.info("shard worked", extra={"job": message.job, "shard": message.shard})


def worker_handler() -> Handler[PartialItemFailureResponse]:
    """JobsWorkerFunction's handler: the shards a daily job queued (SQS, one per message). A shard still
    not finished when the budget runs out is queued again from where it stopped; a failing record is
    reported alone and reaches the dead-letter queue after three receives (its items stay due for the
    next daily run either way)."""
    return sqs_handler(work_shard)


def close_month(event: dict[str, Any], _remaining_millis: int | None) -> dict[str, Any]:
    """The monthly close: freeze the roll-forward of the month before the scheduled time's."""
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
