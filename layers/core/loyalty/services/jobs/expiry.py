"""Expiry: at the end of an expiry day, the points still held on it leave the balance.

A run on local day D settles every day up to D - 1, for every member whose expiry day (GSI5) is due:
it reads the member and its first lots (one Query), writes an ``expire`` ledger entry per ended day
(keyed by member and day, so it exists once, with the exact balance it leaves), removes those days from
their lots and sets the member's balance and next expiry day (the soonest day still holding points),
version-checked like every balance change. A week of missed runs is one run's work: the member's days
are all in that one read.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from aws_lambda_powertools import Logger

from loyalty.adapters import clock
from loyalty.domain import calendar, due_dates
from loyalty.domain.bookings import Booking
from loyalty.domain.events import Event
from loyalty.models.common import rfc3339
from loyalty.models.jobs import JobName
from loyalty.services.jobs.runner import Run, each
from loyalty.store import member_reads, member_updates, unit_of_work, write_loop
from loyalty.store.due_index import DueItem
from loyalty.store.entries import EntryFields, ExpiryRecord
from loyalty.store.member_reads import MemberState
from loyalty.store.unit_of_work import MemberChange, Retry
from loyalty.store.write_loop import Done, Planned

logger = Logger(child=True)

DAYS_PER_WRITE = 60  # an entry per day, up to one lot per month and the member: well inside 100 items


class Expiry:
    name: JobName = "expire"
    kind = "EXPIRY"

    def through(self, run: Run) -> date:
        return due_dates.expiry_through(run.today)

    def handle(self, items: list[DueItem], run: Run) -> None:
        each(items, run, lambda item, run: settle(item.member_id, item.day, run), "expire points")


@dataclass(frozen=True)
class Expired:
    """What one write expired; ``more``: the member has more ended days than one write holds."""

    days: int = 0
    points: int = 0
    more: bool = False


@dataclass(frozen=True)
class Skipped:
    """Nothing to expire: the member is gone, or ``inactive`` (erased: its expiry day ``due``, if any,
    leaves the index)."""

    inactive: bool = False
    due: date | None = None


@dataclass(frozen=True)
class Busy:
    """Every round lost a race: the member stays due, and the next run retries it."""


type Settled = Expired | Skipped | Busy


def settle(member_id: str, seen: date, run: Run) -> None:
    """Expire every ended day of one member; ``seen`` is the expiry day the index showed."""
    through = due_dates.expiry_through(run.today)
    again: set[str] = set()  # days already expired once, whose points a cancellation gave back

    def read(_: int) -> MemberState | None:
        state = member_reads.read(member_id)
        run.counts["members_read"] += 1
        if state is None or state.member.status != "active" or state.complete or due_dates.ended(state.lots, through):
            return state
        run.counts["members_read"] += 1
        return member_reads.read(member_id, "all")  # the first months read hold nothing left to expire

    def retried(outcome: Retry) -> bool:
        days = {role.removeprefix("expire:") for role in outcome.failed if role.startswith("expire:")}
        again.update(days)  # entries exist: these points expire a second time, under a new key
        return bool(days)

    while True:  # one write per DAYS_PER_WRITE ended days, each written before the next is read
        answer = write_loop.write(
            read,
            lambda state: plan(state, frozenset(again), run, clock.now()),
            budget=write_loop.JOB,
            contended=f"Member '{member_id}' points could not be expired.",
            retried=retried,
            exhausted=Busy,
        )
        if isinstance(answer, Busy):
            run.counts["failures"] += 1
            return
        if isinstance(answer, Skipped):
            if answer.inactive:
                run.counts["skipped_inactive_members"] += 1
            if answer.due is not None:
                member_updates.move_due(member_id, "EXPIRY", answer.due, None)
            return
        run.counts["days_expired"] += answer.days
        run.counts["points_expired"] += answer.points
        if not answer.more:
            return


def plan(
    state: MemberState | None, again: frozenset[str], run: Run, now: datetime
) -> Done[Settled] | Planned[None, Settled]:
    """The member's ended days (up to DAYS_PER_WRITE of them) expired: an ``expire`` entry per day with
    the balance it leaves, the days' lots emptied, the member's expiry day moved to its soonest day
    still holding points. A member gone takes nothing; one not active (erased) only leaves the index.
    Days in ``again`` were expired once already: their points (given back since) leave under a new key."""
    if state is None:
        return Done(Skipped())
    if state.member.status != "active":
        return Done(Skipped(inactive=True, due=state.member.due.expiry))  # erased: its balance is not ours
    ended = due_dates.ended(state.lots, due_dates.expiry_through(run.today))
    batch = dict(list(ended.items())[:DAYS_PER_WRITE])
    change = _change(state, batch, again, run, now)
    points = state.member.balances.available - change.after.balances.available
    return Planned(change, Expired(len(batch), points, more=len(batch) < len(ended)))


def _change(
    state: MemberState, batch: dict[str, int], again: frozenset[str], run: Run, now: datetime
) -> MemberChange[None]:
    member = state.member
    available = member.balances.available
    entries = []
    events = []
    for day, held in batch.items():
        points = due_dates.points_to_expire(held, available)
        available -= points
        run_day = run.today.isoformat() if day in again else None
        entry_id = f"expire:{day}" if run_day is None else f"expire:{day}:{run_day}"
        # Points expire at the end of their day; points given back to a day already past leave now.
        ended_at = calendar.end_of_day(date.fromisoformat(day), run.program.zone) if run_day is None else now
        occurred_at = rfc3339(ended_at)
        record = ExpiryRecord(
            day, run_day, EntryFields(member.member_id, "expire", entry_id, -points, available, occurred_at)
        )
        entries.append(unit_of_work.entry_put(record.to_item(), role=f"expire:{day}"))
        events.append(Event("points.expired", {"expires_on": day, "points": points}))
    left = {day: points for day, points in state.lots.items() if day not in batch}
    soonest = due_dates.soonest_with_points(left)
    if soonest is None and state.through_month is not None:
        # Only the first months were read, and they are all expiring now: the next points are in a
        # later month, so its first day is a valid lower bound.
        soonest = calendar.add_months(date.fromisoformat(f"{state.through_month}-01"), 1)
    elif soonest is None:
        # Nothing left to expire: wait where any point earned from now on could expire at the soonest.
        soonest = due_dates.earliest_expiry(run.today, run.program.expiry_months, run.program.max_order_age_days)
    after = replace(
        member,
        balances=replace(member.balances, available=available),
        due=replace(member.due, expiry=soonest),
    )
    return MemberChange(
        before=member,
        after=after,
        at=rfc3339(run.now),
        events=events,
        lots_before=state.lots,
        lot_deltas={day: -held for day, held in batch.items()},
        more=entries,
        booking=Booking("expired", run.today.isoformat()),
        portions_before=state.portions,
    )


JOBS = {"expire": Expiry()}
