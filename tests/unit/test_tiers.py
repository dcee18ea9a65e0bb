"""Tier arithmetic: thresholds are inclusive, the top tier has no next tier, the window is exact."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from loyalty.domain.tiers import TierLevel, by_name, next_tier, qualifying_points, tier_for

TIERS = [
    TierLevel("Bronze", 0, Decimal(1)),
    TierLevel("Silver", 1000, Decimal("1.25")),
    TierLevel("Gold", 5000, Decimal(2)),
]


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


def test_qualifying_points_count_only_the_window_today_included() -> None:
    earned = {"2025-11-22": 100, "2025-11-23": 20, "2026-11-22": 3}
    assert qualifying_points(earned, date(2026, 11, 22), 365) == 23
    assert qualifying_points(earned, date(2026, 11, 22), 366) == 123
    assert qualifying_points(earned, date(2026, 11, 22), 1) == 3
