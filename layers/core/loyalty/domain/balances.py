"""Balance arithmetic for credits and reversals: pure, so every policy is testable on its own.

Policies (also in docs/api.md, "Refunds"):
- Debt first: a refund that must take back more than the member still holds takes what exists and
  records the rest as ``debt``; later earnings pay the debt before anything is credited.
- Pending first: a refund reverses the order's still-pending points before available ones.
- Lots: reversed available points come from the order's own expiry day first, then from the days that
  expire soonest. The available balance never goes below zero.

Available points are held by expiry day (``{"2027-11-22": 120, ...}``, the day they expire at the end
of); pending points are held by their order until they mature, and only counted on the member.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Balances:
    available: int = 0
    pending: int = 0
    lifetime_earned: int = 0
    debt: int = 0


@dataclass(frozen=True)
class Credit:
    balances: Balances
    credited: int
    debt_paid: int


def take_in_order(lots: Mapping[str, int], days: Iterable[str], points: int) -> tuple[dict[str, int], int]:
    """Available points from ``lots`` taken day by day in the order ``days`` gives; what was taken per
    day, and what is still missing."""
    taken: dict[str, int] = {}
    left = points
    for day in days:
        if left == 0:
            break
        take = min(left, lots.get(day, 0))
        if take > 0:
            taken[day] = take
            left -= take
    return taken, left


def credit(balances: Balances, points: int, *, pending: bool) -> Credit:
    """Earn ``points``: pay the debt first, then add the rest to pending or available."""
    debt_paid = min(balances.debt, points)
    credited = points - debt_paid
    return Credit(
        balances=Balances(
            available=balances.available + (0 if pending else credited),
            pending=balances.pending + (credited if pending else 0),
            lifetime_earned=balances.lifetime_earned + points,
            debt=balances.debt - debt_paid,
        ),
        credited=credited,
        debt_paid=debt_paid,
    )


@dataclass(frozen=True)
class Reversal:
    balances: Balances
    from_pending: int
    from_lots: dict[str, int]  # expiry day -> available points taken
    to_debt: int


def reverse(
    balances: Balances, points: int, *, order_pending: int, order_day: str | None, lots: Mapping[str, int]
) -> Reversal:
    """Take back ``points`` an order earned: its pending points, then available points (its own expiry
    day first, then the soonest), then debt. ``lots`` holds spendable points only."""
    from_pending = min(points, order_pending, balances.pending)
    days = sorted(lots, key=lambda day: (day != order_day, day))
    taken, left = take_in_order(lots, days, points - from_pending)
    return Reversal(
        balances=Balances(
            available=balances.available - sum(taken.values()),
            pending=balances.pending - from_pending,
            lifetime_earned=max(balances.lifetime_earned - points, 0),
            debt=balances.debt + left,
        ),
        from_pending=from_pending,
        from_lots=taken,
        to_debt=left,
    )
