"""Spending points: which days pay for a redemption or a debit, and whether a member may redeem a
reward now."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from loyalty.domain.balances import take_in_order
from loyalty.domain.tiers import TierLevel


class NotEnoughPoints(ValueError):
    pass


def spendable(lots: Mapping[str, int], today: str) -> dict[str, int]:
    """Points that may be spent today: a day that has ended is expired, even before the expiry run
    settles it."""
    return {day: points for day, points in lots.items() if day >= today and points > 0}


def take_soonest_first(lots: Mapping[str, int], points: int, today: str) -> dict[str, int]:
    """Available points from the days that expire soonest (never-expiring ones last)."""
    usable = spendable(lots, today)
    taken, left = take_in_order(usable, sorted(usable), points)
    if left > 0:
        raise NotEnoughPoints(f"{left} points short")
    return taken


@dataclass(frozen=True)
class Availability:
    active: bool
    available_from: datetime | None
    available_until: datetime | None
    stock_remaining: int | None

    def open_at(self, moment: datetime) -> bool:
        """Active and inside its window (from included, until excluded)."""
        if not self.active:
            return False
        if self.available_from is not None and moment < self.available_from:
            return False
        return self.available_until is None or moment < self.available_until

    def redeemable_at(self, moment: datetime) -> bool:
        return self.open_at(moment) and (self.stock_remaining is None or self.stock_remaining > 0)


@dataclass(frozen=True)
class Refusal:
    """Why a member may not redeem a reward now; ``code`` names the contract's error."""

    code: str  # "reward_unavailable", "out_of_stock", "insufficient_points"
    detail: str


def may_redeem(
    availability: Availability,
    now: datetime,
    *,
    cost: int,
    available: int,
    member_tier: TierLevel,
    min_tier: str | None,
    levels: Sequence[TierLevel],
) -> Refusal | None:
    """The redemption rule, in the order a member would want to hear the reasons: the reward must be
    open now, the member's tier high enough, the stock not exhausted (as far as known: the write checks
    it again), and the points enough."""
    if not availability.open_at(now):
        return Refusal("reward_unavailable", "This reward is inactive or outside its availability window.")
    if min_tier is not None:
        required = next((level for level in levels if level.name == min_tier), None)
        if required is None or member_tier.threshold < required.threshold:
            return Refusal("reward_unavailable", f"This reward needs tier {min_tier} or above.")
    if availability.stock_remaining is not None and availability.stock_remaining <= 0:
        return Refusal("out_of_stock", "This reward is out of stock.")
    if available < cost:
        return Refusal("insufficient_points", f"The reward costs {cost} points; {available} are available.")
    return None
