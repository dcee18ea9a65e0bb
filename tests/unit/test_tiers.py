"""Tier arithmetic: thresholds are inclusive, the top tier has no next tier, and qualifying points are
kept in at most 53 buckets whose rule (days up to 53 days, weeks beyond) says exactly when points leave."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from loyalty.domain.tiers import (
    MAX_BUCKETS,
    Qualifying,
    TierLevel,
    bucket_days,
    by_name,
    earn,
    next_tier,
    qualifying_points,
    take_back,
    tier_for,
)

TIERS = [
    TierLevel("Bronze", 0, Decimal(1)),
    TierLevel("Silver", 1000, Decimal("1.25")),
    TierLevel("Gold", 5000, Decimal(2)),
]
D = date.fromisoformat


@pytest.mark.parametrize(
    ("qualifying", "tier", "upcoming"),
    [
        (0, "Bronze", ("Silver", 1000)),
        (999, "Bronze", ("Silver", 1)),
        (1000, "Silver", ("Gold", 4000)),
        (4999, "Silver", ("Gold", 1)),
        (5000, "Gold", None),
        (10**9, "Gold", None),
    ],
)
def test_tier_and_distance_to_the_next(qualifying: int, tier: str, upcoming: tuple[str, int] | None) -> None:
    current = tier_for(qualifying, TIERS)
    assert current.name == tier
    following = next_tier(current, qualifying, TIERS)
    assert (None if following is None else (following[0].name, following[1])) == upcoming


def test_a_stored_tier_missing_from_the_program_falls_back_to_the_lowest() -> None:
    assert by_name("Platinum", TIERS).name == "Bronze"
    assert by_name("Gold", TIERS).name == "Gold"


@pytest.mark.parametrize(
    ("window", "size"), [(1, 1), (30, 1), (53, 1), (54, 7), (365, 7), (371, 7), (372, 14), (3650, 70)]
)
def test_buckets_are_days_up_to_53_days_then_whole_weeks_never_more_than_53(window: int, size: int) -> None:
    assert bucket_days(window) == size
    assert -(-window // size) <= MAX_BUCKETS


def test_a_short_window_counts_exactly_by_day() -> None:
    buckets = Qualifying(bucket_days(30))
    for day, points in (("2026-10-25", 100), ("2026-10-26", 20), ("2026-11-23", 3)):
        buckets = earn(buckets, D(day), points, D(day), 30)
    assert qualifying_points(buckets, D("2026-11-23"), 30) == 123  # today and the 29 days before
    assert qualifying_points(buckets, D("2026-11-24"), 30) == 23
    assert qualifying_points(buckets, D("2026-11-25"), 30) == 3


def test_a_year_window_counts_whole_weeks_at_least_the_window_and_at_most_six_days_more() -> None:
    earned_on = D("2026-01-10")  # a Saturday, in the week of Monday 2026-01-05
    buckets = earn(Qualifying(7), earned_on, 100, earned_on, 365)
    last_counted = D("2027-01-10")  # 365 days later, and the rest of that week's 53rd successor
    assert qualifying_points(buckets, last_counted, 365) == 100
    assert qualifying_points(buckets, D("2027-01-11"), 365) == 0  # the Monday after: the week has left
    for offset in range(365):
        assert qualifying_points(buckets, earned_on + timedelta(days=offset), 365) == 100


def test_a_member_who_earns_every_day_for_years_keeps_at_most_53_buckets() -> None:
    buckets = Qualifying(7)
    day = D("2024-01-01")
    for _ in range(3 * 365):
        buckets = earn(buckets, day, 10, day, 365)
        day += timedelta(days=1)
    assert len(buckets.counts) <= MAX_BUCKETS
    assert 3650 <= qualifying_points(buckets, day - timedelta(days=1), 365) <= 3710


def test_a_refund_takes_points_back_from_the_bucket_they_were_earned_in() -> None:
    buckets = earn(
        earn(Qualifying(7), D("2026-03-02"), 500, D("2026-03-02"), 365), D("2026-06-01"), 300, D("2026-06-01"), 365
    )
    after = take_back(buckets, D("2026-03-04"), 200, D("2026-07-01"), 365)  # same week as 2026-03-02
    assert qualifying_points(after, D("2026-07-01"), 365) == 600
    assert qualifying_points(take_back(after, D("2026-03-04"), 999, D("2026-07-01"), 365), D("2026-07-01"), 365) == 300


def test_buckets_written_under_another_window_are_counted_under_the_new_one() -> None:
    daily = earn(Qualifying(1), D("2026-11-20"), 40, D("2026-11-20"), 30)
    assert qualifying_points(daily, D("2026-11-22"), 365) == 40  # the program's window grew to a year
