"""Day arithmetic in the program's timezone: expiry dates and the day pending points mature."""

from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

NEVER = date(9999, 12, 31)


def add_months(day: date, months: int) -> date:
    """Same day of month ``months`` later, clamped to the month's end (Jan 31 + 1 month = Feb 28/29)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def local_day(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def start_of_day(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


def end_of_day(day: date, zone: ZoneInfo) -> datetime:
    """The last millisecond of ``day`` in ``zone``: when points expiring that day leave the balance."""
    return start_of_day(day + timedelta(days=1), zone) - timedelta(milliseconds=1)


def end_of_month(day: date) -> date:
    return date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])


def expires_on(
    earned_at: datetime, zone: ZoneInfo, expiry_months: int | None, month_from: datetime | None = None
) -> date:
    """Points earned on local day D expire at the end of D + expiry_months (NEVER when unset). With month
    granularity (``month_from``: when the program took it on), points earned from then on, in local month
    M, expire at the end of month M + expiry_months: every point of a month shares one expiry day, so a
    member's points of a month are one lot (loyalty.store.profile_lots keeps them on the member item)."""
    if expiry_months is None:
        return NEVER
    day = add_months(local_day(earned_at, zone), expiry_months)
    if month_from is not None and earned_at >= month_from:
        return end_of_month(day)
    return day


def available_at(earned_at: datetime, zone: ZoneInfo, pending_days: int) -> datetime:
    """Pending points become available at the start of local day D + pending_days (at once if 0)."""
    if pending_days == 0:
        return earned_at
    return start_of_day(local_day(earned_at, zone) + timedelta(days=pending_days), zone)
