"""How many points a refund takes back: in proportion to what the refunded part earned.

Exact arithmetic (fractions), cumulative by design: each refund adds the share of the order it gives
back, and the order's reversed total is ``floor`` of that share of the lines' exact points, or all the
order's points once everything is refunded. Two refunds of half an order therefore reverse the whole
earning, never one point more.

Campaign bonus points belong to the order, not to a line: they are taken back only when the whole
order has been refunded.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True)
class EarnedLine:
    sku: str
    quantity: int
    exact: Fraction  # exact points the line earned before the order's floor


@dataclass(frozen=True)
class RefundState:
    points: int  # what the order credited, bonuses included
    net_total: Fraction  # what the customer paid, minor units
    lines: Sequence[EarnedLine]
    reversed: int = 0
    refunded_share: Fraction = Fraction(0)  # share of the lines' exact points refunded so far (0..1)
    refunded_value: Fraction = Fraction(0)  # minor units refunded by amount so far
    refunded_qty: Mapping[str, int] | None = None


@dataclass(frozen=True)
class RefundPlan:
    points_reversed: int
    reversed_total: int
    refunded_share: Fraction
    refunded_value: Fraction
    refunded_qty: dict[str, int]


class Exceeds(ValueError):
    """The refund asks for more than the order has left."""


def by_amount(state: RefundState, amount_minor: int) -> RefundPlan:
    """Money given back: the same share of what the order earned."""
    paid_left = state.net_total * (1 - state.refunded_share)
    if amount_minor > paid_left:
        raise Exceeds(f"only {math.floor(paid_left)} minor units of this order are left to refund")
    share = state.refunded_share + (Fraction(amount_minor) / state.net_total if state.net_total else 1)
    return _plan(state, min(share, Fraction(1)), state.refunded_value + amount_minor, dict(state.refunded_qty or {}))


def by_lines(state: RefundState, lines: Sequence[tuple[str, int]]) -> RefundPlan:
    """Units returned: what those units earned, as a share of what all lines earned."""
    bought: dict[str, int] = {}
    earned: dict[str, Fraction] = {}
    for line in state.lines:
        bought[line.sku] = bought.get(line.sku, 0) + line.quantity
        earned[line.sku] = earned.get(line.sku, Fraction(0)) + line.exact
    total = sum(earned.values(), Fraction(0))
    refunded = dict(state.refunded_qty or {})
    share = state.refunded_share
    for sku, quantity in lines:
        if sku not in bought:
            raise Exceeds(f"sku {sku!r} is not in this order")
        if refunded.get(sku, 0) + quantity > bought[sku]:
            raise Exceeds(f"only {bought[sku] - refunded.get(sku, 0)} of {sku!r} are left to refund")
        refunded[sku] = refunded.get(sku, 0) + quantity
        if total > 0:
            share += earned[sku] * quantity / bought[sku] / total
    if all(refunded.get(sku, 0) >= quantity for sku, quantity in bought.items()):
        share = Fraction(1)
    return _plan(state, min(share, Fraction(1)), state.refunded_value, refunded)


def _plan(state: RefundState, share: Fraction, value: Fraction, refunded_qty: dict[str, int]) -> RefundPlan:
    if state.points > 0 and state.reversed >= state.points:
        raise Exceeds("this order's points were already reversed in full")
    if share >= 1:
        target = state.points
    else:
        line_points = sum((line.exact for line in state.lines), Fraction(0))
        target = min(math.floor(line_points * share), state.points)
    target = max(target, state.reversed)
    return RefundPlan(target - state.reversed, target, share, value, refunded_qty)
