"""The period a member event's limit counts in: consecutive periods of ``period_days`` local days from
1970-01-01, so any day falls in exactly one, and a counter per period needs no read to find it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

EPOCH = date(1970, 1, 1)


@dataclass(frozen=True)
class Period:
    key: str  # "ever", or the first day of the period
    ends: date | None  # the day after the period's last (None: never)


def period_of(day: date, period_days: int | None) -> Period:
    if period_days is None:
        return Period("ever", None)
    start = EPOCH + timedelta(days=(day - EPOCH).days // period_days * period_days)
    return Period(start.isoformat(), start + timedelta(days=period_days))
