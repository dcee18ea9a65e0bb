"""The daily jobs by name: what a schedule or a jobs queue message names, handed to the runner.

The arrows point one way: this table imports the jobs, the jobs import the runner (``Run``, ``each``),
and the runner imports no job (an import-linter contract holds it).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from loyalty.adapters import jobs_queue
from loyalty.models.jobs import JobMessage
from loyalty.services.integrations import held
from loyalty.services.jobs import dormancy, expiry, maturing, reminders, runner, tier_reviews
from loyalty.services.jobs.runner import Budget, DueJob, Enqueue

JOBS: dict[str, DueJob] = {
    **maturing.JOBS,
    **expiry.JOBS,
    **tier_reviews.JOBS,
    **reminders.JOBS,
    **dormancy.JOBS,
    **held.JOBS,
}


def run_day(name: str, scheduled_time: datetime, budget: Budget, enqueue: Enqueue = jobs_queue.send) -> Counter[str]:
    """The job ``name``'s scheduled run for the day of ``scheduled_time`` (see ``runner.run_day``)."""
    return runner.run_day(JOBS[name], scheduled_time, budget, enqueue)


def run_shard(message: JobMessage, budget: Budget, enqueue: Enqueue = jobs_queue.send) -> Counter[str]:
    """The message's job, for its one shard (see ``runner.run_shard``)."""
    return runner.run_shard(JOBS[message.job], message, budget, enqueue)
