"""Tier rules: which tier a qualifying balance supports, and how far the next one is."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal


@dataclass(frozen=True)
class TierLevel:
    name: str
    threshold: int
    multiplier: Decimal


def tier_for(qualifying: int, tiers: Sequence[TierLevel]) -> TierLevel:
    """The highest tier whose threshold the qualifying points reach (tiers sorted, first at 0)."""
    reached = [tier for tier in tiers if qualifying >= tier.threshold]
    return reached[-1] if reached else tiers[0]


def next_tier(current: TierLevel, qualifying: int, tiers: Sequence[TierLevel]) -> tuple[TierLevel, int] | None:
    """The tier above ``current`` and the points still needed to reach it; None at the top."""
    above = [tier for tier in tiers if tier.threshold > current.threshold]
    if not above:
        return None
    target = above[0]
    return target, max(target.threshold - qualifying, 0)


def by_name(name: str | None, tiers: Sequence[TierLevel]) -> TierLevel:
    """A member's stored tier; a tier removed from the program falls back to the lowest one."""
    return next((tier for tier in tiers if tier.name == name), tiers[0])


def qualifying_points(earned_by_day: Mapping[str, int], today: date, window_days: int) -> int:
    """Points earned in the last ``window_days`` days, today included."""
    first = (today - timedelta(days=window_days - 1)).isoformat()
    return sum(points for day, points in earned_by_day.items() if day >= first)
