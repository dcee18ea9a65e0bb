"""Spending points: which days pay for a redemption or a debit, and whether a member may redeem a
reward now."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from loyalty.domain.balances import take_in_order
from loyalty.domain.calendar import NEVER
from loyalty.domain.tiers import TierLevel

NEVER_DAY = NEVER.isoformat()  # points that never expire: no expiry day to show


class NotEnoughPoints(ValueError):
    pass


def spendable(lots: Mapping[str, int], today: str) -> dict[str, int]:
    """Points that may be spent today: a day that has ended is expired, even before the expiry run
    settles it."""
    return {day: points for day, points in lots.items() if day >= today and points > 0}


def covered(lots: Mapping[str, int], points: int, today: str, through_month: str, *, shown: int = 0) -> bool:
    """Whether the days up to the end of ``through_month`` hold ``points`` that may be spent today, and
    still ``shown`` days with points once they are spent (the expiry days an answer lists). The days
    spent are then what spending soonest-first takes, whatever later months hold: a read that stops
    there takes, and shows, exactly what a read of every month would."""
    read = {day: held for day, held in spendable(lots, today).items() if day[:7] <= through_month}
    if sum(read.values()) < points:
        return False
    if not shown:
        return True
    taken = take_soonest_first(read, points, today)
    left = [day for day, held in read.items() if held > taken.get(day, 0) and day != NEVER_DAY]
    return len(left) >= shown


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
    # (tier, from): before available_from, members of that tier or a higher one may redeem from ``from``.
    early_access: tuple[tuple[str, datetime], ...] = ()

    def open_at(self, moment: datetime) -> bool:
        """Active and inside its window (from included, until excluded)."""
        if not self.active:
            return False
        if self.available_from is not None and moment < self.available_from:
            return False
        return self.available_until is None or moment < self.available_until

    def redeemable_at(self, moment: datetime) -> bool:
        return self.open_at(moment) and (self.stock_remaining is None or self.stock_remaining > 0)

    def opens_for(self, member_tier: TierLevel, levels: Sequence[TierLevel]) -> datetime | None:
        """When a member of ``member_tier`` may redeem: the earliest ``from`` of the early-access entries
        its tier reaches, else available_from (None: no start)."""
        ranks = {level.name: level.threshold for level in levels}
        early = [start for tier, start in self.early_access if tier in ranks and member_tier.threshold >= ranks[tier]]
        return min([*early, *([self.available_from] if self.available_from else [])], default=None)

    def open_for(self, moment: datetime, member_tier: TierLevel, levels: Sequence[TierLevel]) -> bool:
        """``open_at`` for this member: its early access may open the window sooner."""
        opens = self.opens_for(member_tier, levels)
        if not self.active or (opens is not None and moment < opens):
            return False
        return self.available_until is None or moment < self.available_until

    def listed_at(self, moment: datetime) -> bool:
        """On the storefront's list: redeemable now, or in early access (not ended, in stock) before it
        opens to all, so the storefront can say who may redeem when."""
        if not self.early_access or not self.active or (self.stock_remaining is not None and self.stock_remaining <= 0):
            return self.redeemable_at(moment)
        return self.available_until is None or moment < self.available_until


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
    open now (for this member's tier: its early access may open it sooner), the member's tier high
    enough, the stock not exhausted (as far as known: the write checks it again), and the points enough."""
    if not availability.open_for(now, member_tier, levels):
        opens = availability.opens_for(member_tier, levels)
        if availability.active and opens is not None and now < opens and availability.early_access:
            return Refusal("reward_unavailable", f"This reward opens to this member's tier at {opens.isoformat()}.")
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
