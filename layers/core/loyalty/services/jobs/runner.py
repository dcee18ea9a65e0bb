"""Runs a daily job over its due index: inline while the invocation's budget lasts, then through the
jobs queue, one message per unfinished shard, to the jobs worker.

A job's day is fixed by the scheduled time of its event, in the program's timezone. It reads, in each
of the 16 shards of its index, every entry due up to that day (one range per shard, page by page of
100), so a run after any number of missed days finds everything they left, and a settled item has
moved its day on in the same write, so running a day twice reads nothing the second time.

Fan-out: a scheduled run handles pages until it has handled ``JOB_BATCH_ITEMS`` items (default 1000)
or used half its time, then queues every shard it has not finished (with the key to resume from). A
worker does the same for one shard and queues the rest of it, so a day of any size is worked through
by bounded invocations, in parallel across shards, each well inside Lambda's time limit.

The runner knows what a job is (``DueJob``), never which jobs there are: its caller hands it the job
(``loyalty.services.jobs.catalog`` names them), and the jobs import the runner, never the other way.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from aws_lambda_powertools import Logger

from loyalty.adapters import clock, jobs_queue
from loyalty.domain import due_dates
from loyalty.domain.errors import InvalidInput, ProgramNotConfigured
from loyalty.models.jobs import JobMessage, JobName
from loyalty.models.program import Program
from loyalty.services import program as programs
from loyalty.settings import settings
from loyalty.store import due_index, keys
from loyalty.store.due_index import DueItem

logger = Logger(child=True)

Enqueue = Callable[[Sequence[dict[str, Any]]], None]

# A scheduled time further ahead than this is a mistake (or an attack): no job runs days in advance.
MAX_AHEAD = timedelta(minutes=15)


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
    kind: str  # the index it reads: MATURE, EXPIRY, REMIND, DORMANT, TIER or HELD

    def through(self, run: Run) -> date:
        """The last day this run handles (everything due up to it)."""
        ...

    def handle(self, items: list[DueItem], run: Run) -> None:
        """Settle one page. One item's failure is counted and logged, never raised: it stays due and the
        next run retries it."""
        ...


@dataclass
class EachDue:
    """A job that settles, one at a time, every item due in its index up to today (``what``: the failure
    log's words, "could not <what>")."""

    name: JobName
    kind: str
    settle: Callable[[DueItem, Run], None]
    what: str

    def through(self, run: Run) -> date:
        return run.today

    def handle(self, items: list[DueItem], run: Run) -> None:
        each(items, run, self.settle, self.what)


def by_member(check: Callable[[str, date, Run], None]) -> Callable[[DueItem, Run], None]:
    """A settle step for a member index: the member and the day the index holds it on."""
    return lambda item, run: check(item.member_id, item.day, run)


def each(items: list[DueItem], run: Run, settle: Callable[[DueItem, Run], None], what: str) -> None:
    """Settle every item of a page, one at a time; one item's failure does not stop the others."""
    for item in items:
        try:
            settle(item, run)
        except Exception:
            run.counts["failures"] += 1
            logger.exception(f"could not {what}", extra={"item": item.key["PK"]})


@dataclass
class Budget:
    """How much one invocation takes on before it hands the rest to the queue."""

    max_items: int
    deadline: float | None = None  # time.monotonic() after which no new page is read
    used: int = 0

    @classmethod
    def for_invocation(cls, remaining_millis: int | None) -> Budget:
        # Half the remaining time: a page takes well under a second, and what is left of the budget
        # covers queueing the rest and the metrics flush.
        deadline = time.monotonic() + remaining_millis / 2000 if remaining_millis else None
        return cls(settings().job_batch_items, deadline)

    def spent(self) -> bool:
        out_of_time = self.deadline is not None and time.monotonic() >= self.deadline
        return self.used >= self.max_items or out_of_time


@dataclass(frozen=True)
class Unit:
    shard: int
    start: dict[str, Any] | None = None


def run_day(
    the_job: DueJob, scheduled_time: datetime, budget: Budget, enqueue: Enqueue = jobs_queue.send
) -> Counter[str]:
    """A scheduled run: every shard of the job's index, up to the run's day."""
    name = the_job.name
    run = _start(name, scheduled_time)
    if run is None:
        return Counter({"program_not_configured": 1})
    through = the_job.through(run)
    logger.info("job run", extra={"job": name, "today": run.today.isoformat(), "through": through.isoformat()})
    _drain(the_job, [Unit(shard) for shard in range(keys.DUE_SHARDS)], through, run, budget, enqueue)
    return run.counts


def run_shard(the_job: DueJob, message: JobMessage, budget: Budget, enqueue: Enqueue = jobs_queue.send) -> Counter[str]:
    """A worker's part: one shard of ``the_job`` (the message's), from where the last invocation stopped."""
    run = _start(message.job, message.scheduled_time)
    if run is None:
        return Counter({"program_not_configured": 1})
    _drain(the_job, [Unit(message.shard, message.start)], the_job.through(run), run, budget, enqueue)
    return run.counts


def _start(name: str, scheduled_time: datetime) -> Run | None:
    if scheduled_time > clock.now() + MAX_AHEAD:
        raise InvalidInput("scheduled_time is in the future: a job runs for a day that has come.", ["scheduled_time"])
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
    return Run(name, program, scheduled_time, due_dates.local_today(scheduled_time, program.zone))


def _drain(the_job: DueJob, units: list[Unit], through: date, run: Run, budget: Budget, enqueue: Enqueue) -> None:
    for index, unit in enumerate(units):
        start = unit.start
        while True:
            if budget.spent():
                rest = [Unit(unit.shard, start), *units[index + 1 :]]
                enqueue([_message(run, part) for part in rest])
                run.counts["shards_queued"] += len(rest)
                return
            found = due_index.page(the_job.kind, unit.shard, through, start)
            run.counts["items_read"] += len(found.items)
            if found.items:
                the_job.handle(found.items, run)
                budget.used += len(found.items)
            start = found.next_start
            if start is None:
                break


def _message(run: Run, unit: Unit) -> dict[str, Any]:
    body = {"job": run.job, "scheduled_time": run.now, "shard": unit.shard, "start": unit.start}
    return JobMessage.model_validate(body).model_dump(mode="json")
