"""Expiry: at the end of a lot's expires_on day, what is left in it leaves the balance.

A run on local day D settles every lot whose day has ended (expires_on <= D - 1). It finds them through
GSI5, where each member with points to expire waits in the bucket of its soonest expiring day, and the
index item carries what settling needs: the balance, the version and ``expiry_schedule`` (available
points by expiry day, kept exact by every write that changes the member's lots). So the job reads one
item per member due and nothing else.

Per member, one transaction writes an ``expire`` ledger entry per ended lot (keyed by member, lot and
day, so it exists once, with the exact balance it leaves), empties those lots of what they still hold
(points already redeemed from a lot are gone from it, so they are not expired again), and sets the
member's balance, schedule and next expiry key, version-checked like every balance change.
"""

from __future__ import annotations

from datetime import date

from aws_lambda_powertools import Logger

from loyalty.domain import calendar, due_work
from loyalty.models.common import rfc3339
from loyalty.models.jobs import JobName
from loyalty.services.jobs.runner import Run, catch_up_days
from loyalty.services.ledger import entry_fields, schedule_index
from loyalty.services.retry import pause
from loyalty.store import due as due_store
from loyalty.store import keys
from loyalty.store.client import Item
from loyalty.store.members import read_partition

logger = Logger(child=True)

ATTEMPTS = 5
LOTS_PER_WRITE = 49  # two items per lot and the member: a transaction holds at most 100


class Expiry:
    name: JobName = "expire"
    kind = "EXPIRY"

    def days(self, run: Run) -> list[date]:
        return due_work.window(due_work.expiry_target(run.today), catch_up_days())

    def handle(self, items: list[Item], day: str, run: Run) -> None:
        for member in items:
            try:
                settle(member, run)
            except Exception:  # one member's failure must not stop the others; the next run retries it
                run.counts["failures"] += 1
                logger.exception("could not expire points", extra={"member_id": member.get("member_id")})


def settle(member: Item | None, run: Run) -> None:
    """Expire every ended lot on the member's schedule. ``member`` is its GSI5 item (eventually
    consistent): a version that moved on costs one strongly consistent read, and a retry."""
    last_ended = due_work.expiry_target(run.today).isoformat()
    fresh = False
    for attempt in range(ATTEMPTS):
        if member is None:
            return
        if member.get("status", "active") != "active":
            run.counts["skipped_inactive_members"] += 1  # erased: its balance is not ours to change
            return
        member_id = str(member["member_id"])
        schedule = {str(day): int(points) for day, points in (member.get("expiry_schedule") or {}).items()}
        ended = due_work.expiring_by(schedule, last_ended)
        if not ended:
            if fresh:
                return  # settled by a run that overlapped this one
            member, fresh = due_store.get_item(keys.member(member_id)), True
            run.counts["members_read"] += 1
            continue
        batch = dict(list(ended.items())[:LOTS_PER_WRITE])
        expiries, available = _plan(member, batch, run)
        left = {day: points for day, points in schedule.items() if day not in batch}
        index = schedule_index(member_id, left, run.today, member.get("expiry_due_on"))
        outcome = due_store.expire(member, expiries, available, index.fields, index.remove)
        if outcome.written:
            run.counts["lots_expired"] += len(expiries)
            run.counts["points_expired"] += sum(expiry.points for expiry in expiries)
            if len(batch) == len(ended):
                return
            # More ended lots than one transaction holds: go on from what was just written.
            member = {**member, **index.fields, "available": available, "version": int(member["version"]) + 1}
            continue
        lots_at = range(len(expiries), 2 * len(expiries))
        if any(outcome.failed_at(index) for index in lots_at):
            # A lot holds other than its schedule says: rebuild the schedule from the lots themselves.
            logger.error("expiry schedule disagrees with the lots; rebuilding it", extra={"member_id": member_id})
            member, fresh = _rebuilt(member_id), True
            run.counts["schedules_rebuilt"] += 1
        elif outcome.failed:  # the member moved on (or an entry exists: the index lagged behind a run)
            member, fresh = due_store.get_item(keys.member(member_id)), True
            run.counts["members_read"] += 1
        else:
            pause(attempt)
    run.counts["failures"] += 1


def _plan(member: Item, batch: dict[str, int], run: Run) -> tuple[list[due_store.LotExpiry], int]:
    """The ledger entries of ``batch`` (ended lots, soonest first) and the balance they leave."""
    member_id = str(member["member_id"])
    queued_on = str(member.get("expiry_due_on") or "")
    available = int(member.get("available", 0))
    expiries = []
    for expires_on, held in batch.items():
        points = due_work.points_to_expire(held, available)
        available -= points
        # Points given back to an already ended lot wait in a later bucket: their entry is dated from
        # that day (after the cancellation that returned them) and keyed by it, so it is a new entry.
        day = max(expires_on, queued_on)
        entry_id = f"expire:{expires_on}" if day == expires_on else f"expire:{expires_on}:{day}"
        occurred_at = rfc3339(calendar.end_of_day(date.fromisoformat(day), run.program.zone))
        entry: Item = {
            **keys.expiry_entry(member_id, expires_on, day),
            "member_id": member_id,
            "expires_on": expires_on,
            **entry_fields(member_id, "expire", entry_id, -points, available, occurred_at),
        }
        expiries.append(due_store.LotExpiry(expires_on, held, points, entry))
    return expiries, available


def _rebuilt(member_id: str) -> Item | None:
    """The member with its schedule computed from its lots (the source of truth for what they hold)."""
    partition = read_partition(member_id)
    if partition is None:
        return None
    schedule = due_work.expiry_schedule(
        (str(lot["expires_on"]), int(lot.get("available", 0))) for lot in partition.lots
    )
    return {**partition.profile, "expiry_schedule": schedule}


JOBS = {"expire": Expiry()}
