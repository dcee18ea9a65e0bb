"""Points valued at issue: which portions of a lot day pay for a take, and what a movement is worth.

A lot day (the points that expire at the end of one day) is held in portions: points of one source
(``sale``: earned with an order; ``other``: adjustments, bonuses, referrals) issued at one point value
(the program's ``point_value_minor`` when they entered the balance). A later change of the point value
adds new portions and never rewrites the old ones, so the money a movement is worth is always
``points x the value they were issued at``, exactly (decimals, no rounding until a report shows them).

A day's portions are few (one earn day maps to one expiry day, and the value rarely changes within a
day), so a lot item stays bounded: at most 31 days x a handful of portions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

Source = Literal["sale", "other"]

# The movement kinds of the roll-forward, in its order.
KINDS = ("issued_sales", "issued_other", "redeemed", "redemptions_cancelled", "reversed", "expired", "erased")
# The sign each kind moves the outstanding balance by.
SIGN = {
    "issued_sales": 1,
    "issued_other": 1,
    "redeemed": -1,
    "redemptions_cancelled": 1,
    "reversed": -1,
    "expired": -1,
    "erased": -1,
}
Kind = Literal["issued_sales", "issued_other", "redeemed", "redemptions_cancelled", "reversed", "expired", "erased"]


@dataclass(frozen=True, order=True)
class Portion:
    day: str  # the expiry day, YYYY-MM-DD
    source: Source
    value: Decimal  # point_value_minor at issue

    @property
    def month(self) -> str:
        return self.day[:7]


def canonical(value: Decimal) -> Decimal:
    """One spelling per value (0.50 and 0.5 are one portion)."""
    normal = value.normalize()
    return normal.quantize(Decimal(1)) if normal == normal.to_integral_value() else normal


def money(portions: Mapping[Portion, int]) -> Decimal:
    return sum((Decimal(points) * portion.value for portion, points in portions.items()), Decimal(0))


def _taking_order(portion: Portion) -> tuple[bool, Decimal]:
    # Sale points first (a refund then reverses what a sale issued), the lower value first.
    return (portion.source != "sale", portion.value)


def take(held: Mapping[Portion, int], takes: Mapping[str, int]) -> dict[Portion, int]:
    """The portions that pay for ``takes`` (expiry day -> points). Points of a day that no portion
    accounts for (none should exist) are taken as ``other`` points of value 0."""
    by_day: dict[str, list[Portion]] = {}
    for portion, points in held.items():
        if points > 0:
            by_day.setdefault(portion.day, []).append(portion)
    taken: dict[Portion, int] = {}
    for day, points in takes.items():
        left = points
        for portion in sorted(by_day.get(day, []), key=_taking_order):
            if left == 0:
                break
            part = min(left, held[portion])
            taken[portion] = part
            left -= part
        if left > 0:
            unvalued = Portion(day, "other", Decimal(0))
            taken[unvalued] = taken.get(unvalued, 0) + left
    return taken


def credit(deltas: Mapping[str, int], source: Source, value: Decimal) -> dict[Portion, int]:
    value = canonical(value)
    return {Portion(day, source, value): points for day, points in deltas.items() if points > 0}


def by_month(portions: Mapping[Portion, int]) -> dict[str, tuple[int, Decimal]]:
    """Signed points and money per expiry month."""
    months: dict[str, tuple[int, Decimal]] = {}
    for portion, points in portions.items():
        p, m = months.get(portion.month, (0, Decimal(0)))
        months[portion.month] = (p + points, m + Decimal(points) * portion.value)
    return months


@dataclass(frozen=True)
class Movement:
    """What one write moves, for the accounts: the points of one kind and their money (positive in the
    kind's own direction: a debit adjustment is a negative ``issued_other``), and the signed change of
    the outstanding balance per expiry month."""

    kind: Kind
    points: int
    money: Decimal
    months: Mapping[str, tuple[int, Decimal]]


def movement(kind: Kind, signed: Mapping[Portion, int]) -> Movement:
    """The movement of signed portion changes (+ added to the lots, - taken from them)."""
    sign = SIGN[kind]
    return Movement(kind, sign * sum(signed.values()), sign * money(signed), by_month(signed))


def merge(parts: Iterable[Mapping[Portion, int]]) -> dict[Portion, int]:
    total: dict[Portion, int] = {}
    for part in parts:
        for portion, points in part.items():
            total[portion] = total.get(portion, 0) + points
    return {portion: points for portion, points in total.items() if points}
