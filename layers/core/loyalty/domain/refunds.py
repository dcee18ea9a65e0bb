"""How many points a refund takes back: in proportion to what the refunded part earned.

Cumulative by design: each refund adds its share of the order's exact (unrounded) points, and the
order's reversed total is ``floor`` of that sum, or all its points once everything is refunded. Two
refunds of half an order therefore reverse the whole earning, never one point more.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal


@dataclass(frozen=True)
class EarnedLine:
    sku: str
    quantity: int
    exact: Decimal  # exact points the line earned before the order's floor


@dataclass(frozen=True)
class RefundState:
    points: int  # what the order credited, bonuses included
    net_total: Decimal  # what the customer paid, minor units
    lines: Sequence[EarnedLine]
    reversed: int = 0
    refunded_value: Decimal = Decimal(0)  # minor units refunded so far
    refunded_qty: Mapping[str, int] | None = None


@dataclass(frozen=True)
class RefundPlan:
    points_reversed: int
    reversed_total: int
    refunded_value: Decimal
    refunded_qty: dict[str, int]


class Exceeds(ValueError):
    """The refund asks for more than the order has left."""


def by_amount(state: RefundState, amount_minor: int) -> RefundPlan:
    left = state.net_total - state.refunded_value
    if amount_minor > left:
        raise Exceeds(f"only {left} minor units of this order are left to refund")
    value = state.refunded_value + amount_minor
    return _plan(state, value, dict(state.refunded_qty or {}))


def by_lines(state: RefundState, lines: Sequence[tuple[str, int]]) -> RefundPlan:
    bought: dict[str, int] = {}
    share: dict[str, Decimal] = {}
    total_exact = sum((line.exact for line in state.lines), Decimal(0))
    for line in state.lines:
        bought[line.sku] = bought.get(line.sku, 0) + line.quantity
        share[line.sku] = share.get(line.sku, Decimal(0)) + line.exact
    refunded = dict(state.refunded_qty or {})
    value = state.refunded_value
    for sku, quantity in lines:
        if sku not in bought:
            raise Exceeds(f"sku {sku!r} is not in this order")
        if refunded.get(sku, 0) + quantity > bought[sku]:
            raise Exceeds(f"only {bought[sku] - refunded.get(sku, 0)} of {sku!r} are left to refund")
        refunded[sku] = refunded.get(sku, 0) + quantity
        # The refunded units' share of what the order earned, expressed as refunded value so that
        # line and amount refunds of one order add up on one scale.
        if total_exact > 0:
            value += state.net_total * share[sku] * quantity / bought[sku] / total_exact
    everything_back = all(refunded.get(sku, 0) >= qty for sku, qty in bought.items())
    if everything_back:
        value = state.net_total
    return _plan(state, min(value, state.net_total), refunded)


def _plan(state: RefundState, value: Decimal, refunded_qty: dict[str, int]) -> RefundPlan:
    if state.reversed >= state.points and state.points > 0:
        raise Exceeds("this order's points were already reversed in full")
    if state.net_total <= 0 or value >= state.net_total:
        target = state.points
    else:
        target = int((Decimal(state.points) * value / state.net_total).to_integral_value(rounding=ROUND_FLOOR))
    target = max(min(target, state.points), state.reversed)
    return RefundPlan(target - state.reversed, target, value, refunded_qty)
