"""Month expiry (program ``expiry_granularity: month``): the expiry day of points by when they were earned,
in the program's timezone, and the lots a member item holds itself (loyalty.store.profile_lots)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from loyalty.domain import calendar
from loyalty.domain.valuation import Portion
from loyalty.store import profile_lots

NEW_YORK = ZoneInfo("America/New_York")
SINCE = datetime(2026, 6, 1, tzinfo=UTC)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("earned_at", "months", "expected"),
    [
        ("2026-07-15T12:00:00", 12, date(2027, 7, 31)),  # any day of July: the end of July a year on
        ("2026-07-01T12:00:00", 12, date(2027, 7, 31)),
        ("2026-07-31T12:00:00", 1, date(2026, 8, 31)),
        ("2026-01-31T12:00:00", 1, date(2026, 2, 28)),  # not a day of March: February's end
        ("2027-12-10T12:00:00", 2, date(2028, 2, 29)),  # a leap year's February
        ("2026-11-20T12:00:00", 3, date(2027, 2, 28)),  # across the year
        # 03:30 UTC on 1 August is still 31 July in New York: July's points.
        ("2026-08-01T03:30:00", 12, date(2027, 7, 31)),
        ("2026-08-01T04:30:00", 12, date(2027, 8, 31)),
    ],
)
def test_points_of_a_month_expire_at_the_end_of_month_plus_n(earned_at: str, months: int, expected: date) -> None:
    assert calendar.expires_on(utc(earned_at), NEW_YORK, months, SINCE) == expected


def test_month_boundaries_follow_the_timezone_across_dst() -> None:
    # 1 November 2026: New York leaves daylight time at 06:00 UTC. Midnight local is 04:00 UTC before.
    assert calendar.expires_on(utc("2026-11-01T03:59:59"), NEW_YORK, 1, SINCE) == date(2026, 11, 30)  # 31 Oct
    assert calendar.expires_on(utc("2026-11-01T04:00:00"), NEW_YORK, 1, SINCE) == date(2026, 12, 31)  # 1 Nov
    # 1 April 2027 (daylight time): midnight local is 04:00 UTC; 1 March 2027 (standard): 05:00 UTC.
    assert calendar.expires_on(utc("2027-03-01T04:59:00"), NEW_YORK, 1, SINCE) == date(2027, 3, 31)  # 28 Feb
    assert calendar.expires_on(utc("2027-03-01T05:00:00"), NEW_YORK, 1, SINCE) == date(2027, 4, 30)


def test_only_points_earned_after_the_setting_expire_by_month() -> None:
    before, after = utc("2026-05-31T23:59:59"), utc("2026-06-01T00:00:00")
    assert calendar.expires_on(before, UTC, 12, SINCE) == date(2027, 5, 31)  # by day: it happens to be a month end
    assert calendar.expires_on(utc("2026-05-15T10:00:00"), UTC, 12, SINCE) == date(2027, 5, 15)
    assert calendar.expires_on(after, UTC, 12, SINCE) == date(2027, 6, 30)
    assert calendar.expires_on(after, UTC, 12, None) == date(2027, 6, 1)  # a day program: the day
    assert calendar.expires_on(after, UTC, None, SINCE) == calendar.NEVER


def sale(day: str, value: str = "1") -> Portion:
    return Portion(day, "sale", Decimal(value))


def test_the_member_items_lots_pack_small_and_read_back() -> None:
    year = {sale(f"2027-{month:02d}-28"): 4410 + month for month in range(1, 13)}
    held = {**year, sale("2028-01-31", "0.5"): 7, Portion("2028-01-31", "other", Decimal(1)): 150}
    packed = profile_lots.pack(held)
    assert profile_lots.unpack(packed) == held
    assert len(packed) <= 6 * len(held) + 8  # about 6 bytes a portion
    assert profile_lots.pack({sale("2027-01-31"): 0}) == b""  # nothing held: no attribute
    assert profile_lots.unpack(None) == {}


def test_an_accrual_that_holds_adds_to_the_member_item_only_on_month_ends() -> None:
    added = profile_lots.split({}, {}, {}, {"2027-07-31": 10}, {sale("2027-07-31"): 10}, hold=True)
    assert (added.profile, added.item_day_deltas, added.item_portion_deltas) == ({sale("2027-07-31"): 10}, {}, {})
    by_day = profile_lots.split({}, {}, {}, {"2027-07-15": 10}, {sale("2027-07-15"): 10}, hold=True)
    assert (by_day.profile, by_day.item_day_deltas) == ({}, {"2027-07-15": 10})  # a day program's lot: its item
    other = profile_lots.split({}, {}, {}, {"2027-07-31": 10}, {sale("2027-07-31"): 10}, hold=False)
    assert (other.profile, other.item_day_deltas) == ({}, {"2027-07-31": 10})


def test_a_take_takes_from_the_member_item_first_then_the_lot_item() -> None:
    day = "2027-07-31"
    held = {sale(day): 30}
    # The read showed 50 on the day: 30 on the member item, 20 on the lot item. Taking 40.
    taken = profile_lots.split(held, {day: 50}, {sale(day): 50}, {day: -40}, {sale(day): -40}, hold=False)
    assert taken.profile == {}
    assert taken.item_days_before == {day: 20} and taken.item_portions_before == {sale(day): 20}
    assert (taken.item_day_deltas, taken.item_portion_deltas) == ({day: -10}, {sale(day): -10})
    small = profile_lots.split(held, {day: 50}, {sale(day): 50}, {day: -5}, {sale(day): -5}, hold=False)
    assert (small.profile, small.item_day_deltas) == ({sale(day): 25}, {})
