"""What the daily jobs' handlers do: read the event (the scheduler's, or the jobs queue's message), run
the job for its day within the invocation's budget, and publish what it did as metrics."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Metrics

from loyalty.entrypoints import job_metrics, lazy
from loyalty.models.jobs import JobMessage, ScheduledEvent

if TYPE_CHECKING:
    from loyalty.services.jobs import catalog, runner
else:  # imported on first use: see loyalty.entrypoints.lazy
    catalog = lazy.module("loyalty.services.jobs.catalog")
    runner = lazy.module("loyalty.services.jobs.runner")


def run_scheduled(
    names: Sequence[str], event: dict[str, Any], remaining_millis: int | None, metrics: Metrics
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


def run_message(body: str, remaining_millis: int | None, metrics: Metrics) -> JobMessage:
    """A jobs queue message: one shard of a job's index, from where the last invocation stopped."""
    message = JobMessage.model_validate_json(body)
    counts = catalog.run_shard(message, runner.Budget.for_invocation(remaining_millis))
    job_metrics.publish(metrics, counts)
    return message
