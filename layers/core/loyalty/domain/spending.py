"""Which lots pay for a redemption or a debit, and whether a reward can be redeemed now."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from loyalty.domain.balances import Lot, take_in_order


class NotEnoughPoints(ValueError):
    pass


def take_soonest_first(lots: Sequence[Lot], points: int) -> dict[str, int]:
    """Available points from the lots that expire soonest (never-expiring last); pending ones are not spendable."""
    taken, left = take_in_order(sorted(lots, key=lambda lot: lot.expires_on), points)
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
