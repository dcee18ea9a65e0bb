"""Balance arithmetic for credits and reversals: pure, so every policy is testable on its own.

Policies (also in the README):
- Debt first: a refund that must take back more than the member still holds takes what exists and
  records the rest as ``debt``; later earnings pay the debt before anything is credited.
- Pending first: a refund reverses the order's still-pending points before available ones.
- Lots: reversed available points come from the order's own lot first, then from the lots that
  expire soonest. The available balance never goes below zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta


@dataclass(frozen=True)
class Balances:
    available: int = 0
    pending: int = 0
    lifetime_earned: int = 0
    debt: int = 0
    earned_by_day: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Lot:
    """Points sharing one expiry day. ``pending`` ones are not spendable yet."""

    expires_on: str
    available: int = 0
    pending: int = 0


@dataclass(frozen=True)
class Credit:
    balances: Balances
    credited: int
    debt_paid: int


def take_in_order(lots: Sequence[Lot], points: int) -> tuple[dict[str, int], int]:
    """Available points from ``lots`` in the order given; what was taken per lot, and what is left."""
    taken: dict[str, int] = {}
    left = points
    for lot in lots:
        if left == 0:
            break
        take = min(left, lot.available)
        if take > 0:
            taken[lot.expires_on] = take
            left -= take
    return taken, left


def window_start(today: date, window_days: int) -> str:
    return (today - timedelta(days=window_days - 1)).isoformat()


def _pruned(earned_by_day: dict[str, int], first_day: str) -> dict[str, int]:
    """Days before the tier window no longer matter: dropping them keeps the member item small."""
    return {day: points for day, points in earned_by_day.items() if day >= first_day and points > 0}


def credit(balances: Balances, points: int, *, pending: bool, earned_day: str, first_day: str) -> Credit:
    """Earn ``points``: pay the debt first, then add the rest to pending or available."""
    debt_paid = min(balances.debt, points)
    credited = points - debt_paid
    by_day = _pruned(balances.earned_by_day, first_day)
    if earned_day >= first_day and points > 0:
        by_day[earned_day] = by_day.get(earned_day, 0) + points
    return Credit(
        balances=Balances(
            available=balances.available + (0 if pending else credited),
            pending=balances.pending + (credited if pending else 0),
            lifetime_earned=balances.lifetime_earned + points,
            debt=balances.debt - debt_paid,
            earned_by_day=by_day,
        ),
        credited=credited,
        debt_paid=debt_paid,
    )


@dataclass(frozen=True)
class Reversal:
    balances: Balances
    from_pending: int
    from_lots: dict[str, int]  # expires_on -> available points taken
    to_debt: int


def reverse(
    balances: Balances,
    points: int,
    *,
    order_pending: int,
    order_lot: str | None,
    lots: list[Lot],
    earned_day: str,
    first_day: str,
) -> Reversal:
    """Take back ``points`` an order earned: its pending points, then available lots, then debt."""
    by_lot = {lot.expires_on: lot for lot in lots}
    own_pending = by_lot[order_lot].pending if order_lot in by_lot else 0
    from_pending = min(points, order_pending, own_pending, balances.pending)
    # The order's own lot first, then the soonest-expiring ones.
    candidates = sorted(lots, key=lambda lot: (lot.expires_on != order_lot, lot.expires_on))
    taken, left = take_in_order(candidates, points - from_pending)
    from_available = sum(taken.values())
    by_day = _pruned(balances.earned_by_day, first_day)
    if earned_day in by_day:
        by_day[earned_day] = max(by_day[earned_day] - points, 0)
        by_day = _pruned(by_day, first_day)
    return Reversal(
        balances=Balances(
            available=balances.available - from_available,
            pending=balances.pending - from_pending,
            lifetime_earned=max(balances.lifetime_earned - points, 0),
            debt=balances.debt + left,
            earned_by_day=by_day,
        ),
        from_pending=from_pending,
        from_lots=taken,
        to_debt=left,
    )
