"""Runs a daily job over its due buckets: inline while the invocation's budget lasts, then through the
jobs queue, one message per bucket shard, to the jobs worker.

A job's day is fixed by the scheduled time of its event, in the program's timezone. It reads, for each
day it covers (its target and a few days before, to catch up on missed or failed runs), the 16 shards
of that day's bucket, page by page (100 items). Handled items leave their bucket in the same write, so
running a day twice reads empty pages the second time and changes nothing.

Fan-out: a scheduled run handles pages until it has handled ``JOB_BATCH_ITEMS`` items (default 1000)
or used half its time, then queues every shard it has not finished (with the key to resume from). A
worker does the same for one shard and queues the rest of it, so a bucket of any size is worked through
by bounded invocations, in parallel across shards, each well inside Lambda's time limit.
"""

from __future__ import annotations

import importlib
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from aws_lambda_powertools import Logger, Metrics

from loyalty.adapters import jobs_queue
from loyalty.domain import due_work
from loyalty.domain.errors import ProgramNotConfigured
from loyalty.entrypoints import job_metrics
from loyalty.models.jobs import JobMessage, JobName, ScheduledEvent
from loyalty.models.program import Program
from loyalty.services import program as programs
from loyalty.settings import settings
from loyalty.store import due as due_store
from loyalty.store import keys
from loyalty.store.client import Item

logger = Logger(child=True)

Enqueue = Callable[[Sequence[dict[str, Any]]], None]

# Where each job lives; imported on first use, so a function loads only the job it runs.
MODULES: dict[str, str] = {
    "mature": "loyalty.services.jobs.maturing",
    "expire": "loyalty.services.jobs.expiry",
    "tier_review": "loyalty.services.jobs.tier_reviews",
    "remind_expiring": "loyalty.services.jobs.reminders",
    "remind_dormant": "loyalty.services.jobs.reminders",
}


@dataclass
class Run:
    """One job's run for one day: the program, the scheduled time and what happened, by name."""

    job: str
    program: Program
    now: datetime
    today: date
    counts: Counter[str] = field(default_factory=Counter)


class DueJob(Protocol):
    name: JobName
    kind: str  # the bucket kind: MATURE, EXPIRE, DORMANT or TIER

    def days(self, run: Run) -> list[date]:
        """The buckets this run reads, oldest first."""
        ...

    def handle(self, items: list[Item], day: str, run: Run) -> None:
        """Settle one page of a bucket. One item's failure is counted and logged, never raised: it
        stays in its bucket and the next run retries it."""
        ...


def each_member(
    items: list[Item], index: str, run: Run, settle: Callable[[str, Item | None, str, Run], None], what: str
) -> None:
    """Settle every member a page of a keys-only member bucket (GSI3, GSI4) names, given its profile
    (one BatchGetItem per page) and the bucket key it was found under. One member's failure is counted
    and logged, never raised: it stays in its bucket and the next run retries it."""
    profiles = due_store.profiles(due_store.member_id_of(item) for item in items)
    for item in items:
        member_id = due_store.member_id_of(item)
        try:
            settle(member_id, profiles.get(member_id), str(item[f"{index}PK"]), run)
        except Exception:
            run.counts["failures"] += 1
            logger.exception(f"could not {what}", extra={"member_id": member_id})


def job(name: str) -> DueJob:
    module = importlib.import_module(MODULES[name])
    found: DueJob = module.JOBS[name]
    return found


def catch_up_days() -> int:
    return settings().job_catch_up_days


@dataclass
class Budget:
    """How much one invocation takes on before it hands the rest to the queue."""

    max_items: int
    deadline: float | None = None  # time.monotonic() after which no new page is read
    used: int = 0

    @classmethod
    def for_invocation(cls, remaining_millis: int | None) -> Budget:
        items = settings().job_batch_items
        # Half the remaining time: a page takes well under a second per item batch, and what is left of
        # the budget covers the queueing of the rest and the metrics flush.
        deadline = time.monotonic() + remaining_millis / 2000 if remaining_millis else None
        return cls(items, deadline)

    def spent(self) -> bool:
        out_of_time = self.deadline is not None and time.monotonic() >= self.deadline
        return self.used >= self.max_items or out_of_time


@dataclass(frozen=True)
class Unit:
    day: str
    shard: int
    start: dict[str, Any] | None = None


def run_day(name: str, scheduled_time: datetime, budget: Budget, enqueue: Enqueue = jobs_queue.send) -> Counter[str]:
    """A scheduled run: every shard of every day the job covers."""
    the_job = job(name)
    run = _start(name, scheduled_time)
    if run is None:
        return Counter({"program_not_configured": 1})
    days = the_job.days(run)
    units = [Unit(day.isoformat(), shard) for day in days for shard in range(keys.DUE_SHARDS)]
    logger.info("job run", extra={"job": name, "today": run.today.isoformat(), "days": [d.isoformat() for d in days]})
    _drain(the_job, units, run, budget, enqueue)
    return run.counts


def run_scheduled(
    names: Sequence[str], event: dict[str, Any], remaining_millis: int | None, metrics: Metrics
) -> dict[str, dict[str, int]]:
    """What a scheduled job's Lambda handler does: read the scheduled time its event carries, run each
    named job for that day within one invocation's budget, and publish their counts as metrics."""
    scheduled = ScheduledEvent.model_validate(event)
    budget = Budget.for_invocation(remaining_millis)
    results: dict[str, dict[str, int]] = {}
    for name in names:
        counts = run_day(name, scheduled.scheduled_time, budget)
        job_metrics.publish(metrics, counts)
        results[name] = dict(counts)
    return results


def run_shard(message: JobMessage, budget: Budget, enqueue: Enqueue = jobs_queue.send) -> Counter[str]:
    """A worker's part: one shard of one day, from where the last invocation stopped."""
    the_job = job(message.job)
    run = _start(message.job, message.scheduled_time)
    if run is None:
        return Counter({"program_not_configured": 1})
    _drain(the_job, [Unit(message.day, message.shard, message.start)], run, budget, enqueue)
    return run.counts


def _start(name: str, scheduled_time: datetime) -> Run | None:
    try:
        program = programs.current()
    except ProgramNotConfigured:
        logger.warning("no program configured: nothing is due", extra={"job": name})
        return None
    expected = settings().program_timezone
    if expected and expected != program.timezone:
        # The schedules fire at local midnight of the template's ProgramTimezone; with another program
        # timezone the days are still right (they follow the program) but the runs come at odd hours.
        logger.warning("schedule timezone differs from the program's", extra={"schedule": expected})
    return Run(name, program, scheduled_time, due_work.local_today(scheduled_time, program.zone))


def _drain(the_job: DueJob, units: list[Unit], run: Run, budget: Budget, enqueue: Enqueue) -> None:
    for index, unit in enumerate(units):
        start = unit.start
        while True:
            if budget.spent():
                rest = [Unit(unit.day, unit.shard, start), *units[index + 1 :]]
                enqueue([_message(run, part) for part in rest])
                run.counts["shards_queued"] += len(rest)
                return
            found = due_store.page(the_job.kind, unit.day, unit.shard, start)
            run.counts["items_read"] += len(found.items)
            if found.items:
                the_job.handle(found.items, unit.day, run)
                budget.used += len(found.items)
            start = found.next_start
            if start is None:
                break


def _message(run: Run, unit: Unit) -> dict[str, Any]:
    body = {"job": run.job, "scheduled_time": run.now, "day": unit.day, "shard": unit.shard, "start": unit.start}
    return JobMessage.model_validate(body).model_dump(mode="json")
