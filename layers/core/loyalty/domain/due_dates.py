"""When a member (or an order) is next due for each daily job. Pure: no I/O.

Every job finds its work through an index whose sort key is a day: a run reads everything due up to its
day, however many runs were missed. The days stored are exact or *lower bounds*: a member may be found
early (the job then looks, finds nothing to do and stores the next day), never late. Lower bounds are
what keep the hot writes (an accrual, a redemption) from rewriting an index: spending points can only
push a member's real expiry day later, earning points expire later than anything a lower bound
promised, so those writes leave the day alone.

- Maturing: an order with pending points is due on the local day its points become available.
- Expiry: a member is due the day after its soonest points expire (``expiry_through``: a run on day D
  expires every day up to D - 1). A write that brings points expiring sooner than the member's day moves
  the day to them; otherwise only the expiry run moves it, to the soonest day that still has points.
- Reminders: a member who opted in is due ``expiring_notice_days`` before the first expiry day it has
  not been reminded of, or at the end of its email cooldown, whichever is later.
- Dormancy: due ``dormant_after_days`` after its last activity; the check moves itself on.
- Tier review: due when its tier may have to change (see loyalty.domain.tier_review).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from loyalty.domain import calendar


def local_today(scheduled_time: datetime, zone: ZoneInfo) -> date:
    return calendar.local_day(scheduled_time, zone)


def expiry_through(today: date) -> date:
    """A day's points expire at its end, so a run on day D settles every day up to D - 1."""
    return today - timedelta(days=1)


def has_matured(available_at: datetime, now: datetime) -> bool:
    return available_at <= now


def points_to_expire(held: int, available: int) -> int:
    """What leaves the balance: what is left on the day, never more than the member holds (the two agree
    unless something went wrong; then the balance wins, as it never goes below zero)."""
    return max(0, min(held, available))


# --- expiry ------------------------------------------------------------------------------------------


def earliest_expiry(today: date, expiry_months: int | None, max_order_age_days: int) -> date | None:
    """A lower bound of the expiry day of any point a member can earn from today on: an order may be
    placed up to ``max_order_age_days`` ago, and its points expire ``expiry_months`` after that. None when
    points never expire."""
    if expiry_months is None:
        return None
    return calendar.add_months(today - timedelta(days=max_order_age_days), expiry_months)


def sooner(current: date | None, days: Iterable[str]) -> date | None:
    """The expiry day after a write that brings points on ``days``: moved only when they come sooner.
    Never-expiring points are not scheduled."""
    never = calendar.NEVER.isoformat()
    brought = [date.fromisoformat(day) for day in days if day != never]
    if not brought:
        return current
    soonest = min(brought)
    return soonest if current is None or soonest < current else current


def soonest_with_points(lots: Mapping[str, int]) -> date | None:
    """The first day that still has points to expire (never-expiring points aside)."""
    never = calendar.NEVER.isoformat()
    days = [day for day, points in lots.items() if points > 0 and day != never]
    return date.fromisoformat(min(days)) if days else None


def ended(lots: Mapping[str, int], through: date) -> dict[str, int]:
    """The days whose points have expired by the end of ``through``, soonest first."""
    last = through.isoformat()
    return {day: lots[day] for day in sorted(lots) if day <= last and lots[day] > 0}


# --- reminders ---------------------------------------------------------------------------------------


def reminder_window(today: date, notice_days: int) -> tuple[date, date]:
    """The expiry days an expiry reminder sent today speaks of: today to today + notice, both included."""
    return today, today + timedelta(days=notice_days)


def next_reminder(
    lots: Mapping[str, int],
    reminded_until: str | None,
    today: date,
    notice_days: int,
    *,
    cooldown_ends: date | None,
    fallback: date,
) -> date:
    """When to look at a member again for an expiry reminder: ``notice_days`` before the first expiry day
    it was not reminded of, but not before tomorrow nor before its cooldown ends. With nothing scheduled
    to expire, ``fallback`` (a lower bound for points earned later), so that the write bringing them
    need not touch the index."""
    after = max(reminded_until or "", (today - timedelta(days=1)).isoformat())
    never = calendar.NEVER.isoformat()
    days = [day for day, points in lots.items() if points > 0 and day > after and day != never]
    if not days:
        return max(fallback, today + timedelta(days=1))
    due = max(date.fromisoformat(min(days)) - timedelta(days=notice_days), today + timedelta(days=1))
    return max(due, cooldown_ends) if cooldown_ends else due


def reminder_for_new_points(current: date | None, days: Iterable[str], notice_days: int) -> date | None:
    """The reminder day after a write that brings points on ``days``: moved sooner only when their
    notice day comes before the stored one. A member without a reminder day (not opted in) gets none."""
    soonest = sooner(None, days)
    if current is None or soonest is None:
        return current
    due = soonest - timedelta(days=notice_days)
    return due if due < current else current


# --- dormancy ----------------------------------------------------------------------------------------


def first_dormancy_check(today: date, dormant_after_days: int) -> date:
    return today + timedelta(days=dormant_after_days)


def dormancy_recheck(today: date, dormant_after_days: int) -> date:
    """After a check that sent nothing (dormant but not emailable, or already emailed this spell): the
    member is looked at again a dormancy period later. Activity meanwhile only makes the real day later,
    so the stored day stays a valid lower bound without any write touching it."""
    return today + timedelta(days=dormant_after_days)


# --- tier review -------------------------------------------------------------------------------------


def first_tier_review(today: date, window_days: int) -> date:
    """A tier reached from today on is kept at least ``window_days`` (its grace), so no review can be
    due before then."""
    return today + timedelta(days=window_days)
