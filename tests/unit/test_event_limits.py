"""Table-driven tests of the period a member event's limit counts in."""

from __future__ import annotations

from datetime import date

import pytest

from loyalty.domain.event_limits import Period, period_of


@pytest.mark.parametrize(
    ("day", "period_days", "expected"),
    [
        (date(2026, 11, 30), None, Period("ever", None)),
        (date(1970, 1, 1), 30, Period("1970-01-01", date(1970, 1, 31))),
        (date(1970, 1, 30), 30, Period("1970-01-01", date(1970, 1, 31))),
        (date(1970, 1, 31), 30, Period("1970-01-31", date(1970, 3, 2))),
        (date(2026, 11, 30), 1, Period("2026-11-30", date(2026, 12, 1))),
        (date(2026, 11, 30), 7, Period("2026-11-26", date(2026, 12, 3))),  # 1970-01-01 was a Thursday
        (date(2026, 11, 30), 30, Period("2026-11-03", date(2026, 12, 3))),
    ],
)
def test_period_of(day: date, period_days: int | None, expected: Period) -> None:
    assert period_of(day, period_days) == expected


def test_every_day_of_a_period_has_the_same_key_and_the_next_day_another() -> None:
    start = period_of(date(2026, 11, 3), 30)
    assert {period_of(date.fromordinal(date(2026, 11, 3).toordinal() + i), 30) for i in range(30)} == {start}
    assert start.ends is not None and period_of(start.ends, 30).key == start.ends.isoformat()
