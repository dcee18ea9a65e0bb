"""How many points a refund takes back: in proportion to what the refunded part earned.

Exact arithmetic (fractions), cumulative by design: each refund adds the share of the order it gives
back, and the order's reversed total is ``floor`` of that share of the lines' exact points, or all the
order's points once everything is refunded. Two refunds of half an order therefore reverse the whole
earning, never one point more.

Campaign bonus points belong to the order, not to a line: they are taken back only when the whole
order has been refunded.

Refunds from a platform (``by_platform``) differ in two ways, because the platform, not a client of our
API, decides what was given back and we must follow it rather than refuse it: an amount counts only
the goods' share of the money (shipping, tax, tips and duties earned nothing, so they reverse nothing),
and every refund is capped at what the order still holds instead of refused. Once the money given back
reaches what the platform says was paid, the whole order is reversed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction


@dataclass(frozen=True)
class EarnedLine:
    sku: str
    quantity: int
    exact: Fraction  # exact points the line earned before the order's floor


@dataclass(frozen=True)
class Paid:
    """What the platform says the order cost, in the shop's currency: its goods as the platform prices
    them (tax included when its prices include tax) and everything paid (shipping, tax, tips, duties)."""

    currency: str
    goods: int
    total: int
    # The total in the currency the shopper paid in, when the shop sells in more than one (Shopify's
    # presentment currency): a refund given in it is judged at the order's own rate.
    shopper_currency: str | None = None
    shopper_total: int | None = None


@dataclass(frozen=True)
class PlatformRefund:
    """What a platform says one refund gave back, in ``currency``."""

    currency: str
    money: int  # all the money given back (the refund's transactions)
    not_goods: int = 0  # the part the platform names as shipping, tax, tips or duties
    whole_order: bool = False  # the platform says the order is refunded or cancelled in full


@dataclass(frozen=True)
class RefundState:
    points: int  # what the order credited, bonuses included
    net_total: Fraction  # what the customer paid, minor units
    lines: Sequence[EarnedLine]
    reversed: int = 0
    refunded_share: Fraction = Fraction(0)  # share of the lines' exact points refunded so far (0..1)
    refunded_value: Fraction = Fraction(0)  # minor units refunded by amount so far
    refunded_qty: Mapping[str, int] | None = None
    paid: Paid | None = None  # what the platform says was paid (orders from a platform only)
    refunded_paid: Fraction = Fraction(0)  # money platforms gave back so far, in ``paid.currency`` (exact)


@dataclass(frozen=True)
class RefundPlan:
    points_reversed: int
    reversed_total: int
    refunded_share: Fraction
    refunded_value: Fraction
    refunded_qty: dict[str, int]
    refunded_paid: Fraction = Fraction(0)


class Exceeds(ValueError):
    """The refund asks for more than the order has left."""


class OtherCurrency(ValueError):
    """A platform refund in another currency than the one the order was paid in."""


def by_amount(state: RefundState, amount_minor: int) -> RefundPlan:
    """Money given back: the same share of what the order earned."""
    paid_left = state.net_total * (1 - state.refunded_share)
    if amount_minor > paid_left:
        raise Exceeds(f"only {math.floor(paid_left)} minor units of this order are left to refund")
    share = state.refunded_share + (Fraction(amount_minor) / state.net_total if state.net_total else 1)
    return _plan(state, min(share, Fraction(1)), state.refunded_value + amount_minor, dict(state.refunded_qty or {}))


def by_lines(state: RefundState, lines: Sequence[tuple[str, int]]) -> RefundPlan:
    """Units returned: what those units earned, as a share of what all lines earned."""
    share, refunded = _line_share(state, lines, capped=False)
    return _plan(state, share, state.refunded_value, refunded)


def by_platform(state: RefundState, lines: Sequence[tuple[str, int]] | None, given: PlatformRefund) -> RefundPlan:
    """A platform's refund: its lines, else the goods' share of its money, capped at what is left; all
    that is left once the money given back reaches what was paid (or the platform says so)."""
    paid = state.paid
    if paid is None:  # an order from before platforms' totals were kept: its goods were all it cost
        paid = Paid(given.currency, math.floor(state.net_total), math.floor(state.net_total))
    rate = _rate(paid, given.currency)
    given_back = state.refunded_paid + given.money * rate
    share, refunded = state.refunded_share, dict(state.refunded_qty or {})
    if lines:
        share, refunded = _line_share(state, lines, capped=True)
    elif paid.total > 0 and paid.goods > 0:
        # The goods' share of the money (goods / total), as a share of the goods: money / total.
        goods_back = max(given.money - given.not_goods, 0) * rate * Fraction(paid.goods, paid.total)
        share += goods_back / paid.goods
    if given.whole_order or (paid.total > 0 and given_back >= paid.total):
        share = Fraction(1)
    plan = _plan(state, min(share, Fraction(1)), state.refunded_value, refunded, capped=True)
    return replace(plan, refunded_paid=given_back)


def _rate(paid: Paid, currency: str) -> Fraction:
    """What one minor unit of ``currency`` is worth in the shop's currency, as this order was paid."""
    if currency.upper() == paid.currency.upper():
        return Fraction(1)
    if paid.shopper_currency and currency.upper() == paid.shopper_currency.upper() and paid.shopper_total:
        return Fraction(paid.total, paid.shopper_total)
    raise OtherCurrency(f"the refund is in {currency}, the order was paid in {paid.currency}")


def _line_share(
    state: RefundState, lines: Sequence[tuple[str, int]], *, capped: bool
) -> tuple[Fraction, dict[str, int]]:
    """The share of the lines' points refunded once ``lines`` come back, and the units refunded by SKU.
    Capped, units beyond what is left (or of a SKU that earned nothing here) are not counted."""
    bought: dict[str, int] = {}
    earned: dict[str, Fraction] = {}
    for line in state.lines:
        bought[line.sku] = bought.get(line.sku, 0) + line.quantity
        earned[line.sku] = earned.get(line.sku, Fraction(0)) + line.exact
    total = sum(earned.values(), Fraction(0))
    refunded = dict(state.refunded_qty or {})
    share = state.refunded_share
    for sku, asked in lines:
        left = bought.get(sku, 0) - refunded.get(sku, 0)
        quantity = min(asked, left) if capped else asked
        if quantity <= 0 and capped:
            continue
        if sku not in bought:
            raise Exceeds(f"sku {sku!r} is not in this order")
        if quantity > left:
            raise Exceeds(f"only {left} of {sku!r} are left to refund")
        refunded[sku] = refunded.get(sku, 0) + quantity
        if total > 0:
            share += earned[sku] * quantity / bought[sku] / total
    if all(refunded.get(sku, 0) >= quantity for sku, quantity in bought.items()):
        share = Fraction(1)
    return min(share, Fraction(1)), refunded


def _plan(
    state: RefundState, share: Fraction, value: Fraction, refunded_qty: dict[str, int], *, capped: bool = False
) -> RefundPlan:
    if state.points > 0 and state.reversed >= state.points and not capped:
        raise Exceeds("this order's points were already reversed in full")
    if share >= 1:
        target = state.points
    else:
        line_points = sum((line.exact for line in state.lines), Fraction(0))
        target = min(math.floor(line_points * share), state.points)
    target = max(target, state.reversed)
    return RefundPlan(target - state.reversed, target, share, value, refunded_qty)
