"""Which day buckets a daily job reads, and the arithmetic of maturing and expiry. Pure: no I/O.

Every job derives its "today" from the scheduled time its event carries, in the program's timezone, so
running a job with an old event replays that day exactly. Each run reads its target day's bucket and a
bounded number of earlier ones: work that a missed or failed run left behind is picked up by the next
run, while a bucket that was already handled costs one empty Query per shard (handled items leave it).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from loyalty.domain import calendar


def local_today(scheduled_time: datetime, zone: ZoneInfo) -> date:
    return calendar.local_day(scheduled_time, zone)


def window(target: date, catch_up_days: int, *, not_before: date | None = None) -> list[date]:
    """``target`` and the ``catch_up_days`` before it, oldest first (never before ``not_before``)."""
    days = [target - timedelta(days=back) for back in range(max(catch_up_days, 0), -1, -1)]
    return [day for day in days if not_before is None or day >= not_before]


def maturing_target(today: date) -> date:
    """Pending points of day D's bucket become available at the start of D: a run on D matures D."""
    return today


def expiry_target(today: date) -> date:
    """A lot ends at the end of its expires_on day, so a run on D expires the lots of D - 1."""
    return today - timedelta(days=1)


def reminder_target(today: date, notice_days: int) -> date:
    """Lots ending ``notice_days`` from today are the ones whose reminder is due today."""
    return today + timedelta(days=notice_days)


def expiry_schedule(lots: Iterable[tuple[str, int]]) -> dict[str, int]:
    """Available points by the day they expire, for days that have any (points that never expire
    are not scheduled)."""
    never = calendar.NEVER.isoformat()
    schedule: dict[str, int] = {}
    for expires_on, available in lots:
        if available > 0 and expires_on != never:
            schedule[expires_on] = schedule.get(expires_on, 0) + available
    return schedule


def expiry_due_day(schedule: dict[str, int], today: date, current: str | None) -> str | None:
    """The day bucket a member waits in for the expiry job: the day its soonest points expire.

    Points on a day that has already ended normally wait in that day's bucket for the run that
    settles it (``current``). Points that arrive on an ended day later (a cancelled redemption gives
    them back with their date) wait in today's bucket, which the next run reads, so they leave
    through the expiry job like any other instead of becoming a gift."""
    days = [day for day, points in schedule.items() if points > 0]
    if not days:
        return None
    soonest = min(days)
    if soonest >= today.isoformat() or soonest == current:
        return soonest
    return today.isoformat()


def expiring_by(schedule: dict[str, int], last_day: str) -> dict[str, int]:
    """The scheduled points whose day ends on or before ``last_day``, soonest first."""
    return {day: schedule[day] for day in sorted(schedule) if day <= last_day and schedule[day] > 0}


def points_to_expire(lot_available: int, member_available: int) -> int:
    """What leaves the balance: what is left in the lot (redeemed points are gone from it already),
    never more than the member holds (the two agree unless something went wrong; then the balance wins,
    as it never goes below zero)."""
    return max(0, min(lot_available, member_available))


def has_matured(available_at: datetime, now: datetime) -> bool:
    return available_at <= now
