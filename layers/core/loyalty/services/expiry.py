"""Expiry: at the end of a lot's expires_on day, what is left in it leaves the balance.

A run on local day D settles the EXPIRE bucket of D - 1 (and the catch-up days before it). Per lot, one
transaction writes the ``expire`` ledger entry (keyed by member, lot and day, so it exists once), empties
the lot of what it still holds (points already redeemed from it are gone from it, so they are not
expired again) and lowers the member's balance, version-checked like every balance change.

Reads: the bucket's lots (one item each) and, per page, the profiles of their members in one
BatchGetItem (the entry records the balance after the expiry, which only the profile knows).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from aws_lambda_powertools import Logger

from loyalty.domain import calendar, due_work
from loyalty.models.common import rfc3339
from loyalty.models.jobs import JobName
from loyalty.services.due_runner import Run, catch_up_days
from loyalty.services.ledger import balances_of, entry_fields
from loyalty.services.retry import pause
from loyalty.store import due as due_store
from loyalty.store import keys
from loyalty.store.client import Item

logger = Logger(child=True)

ATTEMPTS = 5


class Expiry:
    name: JobName = "expire"
    kind = "EXPIRE"

    def days(self, run: Run) -> list[date]:
        return due_work.window(due_work.expiry_target(run.today), catch_up_days())

    def handle(self, items: list[Item], day: str, run: Run) -> None:
        profiles = due_store.profiles(str(lot["member_id"]) for lot in items)
        run.counts["profiles_read"] += len(profiles)
        for lot in items:
            member_id = str(lot["member_id"])
            try:
                expire(lot, profiles.get(member_id), day, run)
            except Exception:  # one lot's failure must not stop the others; the next run retries it
                run.counts["failures"] += 1
                logger.exception("could not expire a lot", extra={"member_id": member_id})


def expire(lot: Item, profile: Item | None, day: str, run: Run) -> None:
    member_id = str(lot["member_id"])
    expires_on = str(lot["expires_on"])
    # The entry dates from the end of the day the points ended, whenever the run comes.
    occurred_at = rfc3339(calendar.end_of_day(date.fromisoformat(day), run.program.zone))
    for attempt in range(ATTEMPTS):
        if profile is None or profile.get("status", "active") != "active":
            run.counts["skipped_inactive_members"] += 1  # erased: its balance is not ours to change
            return
        balances = balances_of(profile)
        points = due_work.points_to_expire(int(lot.get("available", 0)), balances.available)
        if points == 0:
            if due_store.clear_expiry(lot, day):
                return
        else:
            after = replace(balances, available=balances.available - points)
            entry_id = f"expire:{expires_on}" if day == expires_on else f"expire:{expires_on}:{day}"
            entry: Item = {
                "member_id": member_id,
                "expires_on": expires_on,
                **entry_fields(member_id, "expire", entry_id, -points, after.available, occurred_at),
            }
            outcome = due_store.expire(lot, profile, points, after, day, entry)
            if outcome.written:
                run.counts["lots_expired"] += 1
                run.counts["points_expired"] += points
                return
            if outcome.failed_at(due_store.EXPIRE_ENTRY):
                return  # expired already (the index had not caught up)
            if outcome.failed_at(due_store.EXPIRE_MEMBER):
                profile = due_store.get_item(keys.member(member_id))
            if not outcome.failed_at(due_store.EXPIRE_LOT) and not outcome.contended:
                continue
        fresh = due_store.get_item(keys.lot(member_id, expires_on))  # it changed since the index read
        expected = keys.due_partition("EXPIRE", day, keys.shard_of(member_id))
        if fresh is None or fresh.get("GSI2PK") != expected:
            return  # settled, or queued for another day by a cancelled redemption
        lot = fresh
        pause(attempt)
    run.counts["failures"] += 1


JOBS = {"expire": Expiry()}
