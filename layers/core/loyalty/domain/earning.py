"""Earning rules as composable calculators.

An order is turned into one ``LineEarning`` per line. Each calculator refines a line's exact points
(a ``Fraction``: the order discount's spread is a division, and a Decimal would round it) and names
itself in the line's ``rules``; nothing is rounded until the order total, which is floored once, as
the contract says. Campaign bonus points are added once per order.

The pipeline, in order: discounts (the line's own, then its share of the order's) -> base rate ->
exclusion -> product multiplier (SKU, else category) -> campaign multipliers -> tier multiplier. Each
step is a small class with ``apply``; ``Discounts`` sees the whole order, since a share depends on
every line.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Protocol

HUNDRED = Fraction(100)
ZERO = Fraction(0)


@dataclass(frozen=True)
class OrderLine:
    sku: str
    category: str
    quantity: int
    unit_price_minor: int
    discount_minor: int = 0  # a discount of this line alone (a coupon on one product), <= its amount

    @property
    def amount_minor(self) -> int:
        return self.unit_price_minor * self.quantity

    @property
    def after_line_discount(self) -> int:
        """What is left of the line's amount once its own discount is taken (never below zero)."""
        return max(self.amount_minor - self.discount_minor, 0)


@dataclass(frozen=True)
class CampaignRule:
    campaign_id: str
    starts_at: datetime
    ends_at: datetime
    multiplier: Decimal | None = None
    bonus_points: int | None = None
    categories: frozenset[str] | None = None

    def active_at(self, moment: datetime) -> bool:
        """The start instant counts, the end instant does not: back-to-back campaigns never overlap."""
        return self.starts_at <= moment < self.ends_at

    def covers(self, category: str) -> bool:
        return self.categories is None or category in self.categories


@dataclass(frozen=True)
class EarningRules:
    """The program's earning settings, free of any API or storage concern."""

    points_per_unit: Decimal
    sku_multipliers: dict[str, Decimal] = field(default_factory=dict)
    category_multipliers: dict[str, Decimal] = field(default_factory=dict)
    excluded_categories: frozenset[str] = frozenset()
    campaigns: Sequence[CampaignRule] = ()


@dataclass
class LineEarning:
    line: OrderLine
    net_minor: Fraction
    exact: Fraction = ZERO
    rules: list[str] = field(default_factory=list)
    excluded: bool = False


@dataclass(frozen=True)
class Context:
    placed_at: datetime
    tier_name: str
    tier_multiplier: Decimal


class Calculator(Protocol):
    def apply(self, earning: LineEarning, context: Context) -> None: ...


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f")


class Discounts:
    """A line's own discount, then its share of the order discount, spread over the lines in proportion
    to what is left of their amounts after their own discounts. Exact: a share is a Fraction (three
    10.00 lines less 20.00 leave exactly 3.33 1/3 each, which a Decimal would round down)."""

    def __init__(self, lines: Sequence[OrderLine], order_discount_minor: int) -> None:
        self.shares = dict(enumerate(discount_shares(lines, order_discount_minor)))

    def apply_at(self, index: int, earning: LineEarning) -> None:
        line = earning.line
        if line.discount_minor:
            earning.rules.append("line_discount")
        share = self.shares.get(index, ZERO)
        if share:
            earning.rules.append("discount")
        earning.net_minor = Fraction(line.after_line_discount) - share


class BaseRate:
    """Net amount in currency units times the program's points per unit."""

    def __init__(self, points_per_unit: Decimal) -> None:
        self.points_per_unit = points_per_unit

    def apply(self, earning: LineEarning, context: Context) -> None:
        earning.exact = earning.net_minor / HUNDRED * Fraction(self.points_per_unit)
        earning.rules.append(f"base:{_number(self.points_per_unit)}/unit")


class Exclusion:
    """Lines in an excluded category earn nothing, whatever else would apply."""

    def __init__(self, categories: frozenset[str]) -> None:
        self.categories = categories

    def apply(self, earning: LineEarning, context: Context) -> None:
        if earning.line.category in self.categories:
            earning.exact = ZERO
            earning.excluded = True
            earning.rules.append(f"excluded:{earning.line.category}")


class ProductMultiplier:
    """The SKU's multiplier if it has one, else its category's, else none."""

    def __init__(self, by_sku: dict[str, Decimal], by_category: dict[str, Decimal]) -> None:
        self.by_sku = by_sku
        self.by_category = by_category

    def apply(self, earning: LineEarning, context: Context) -> None:
        if earning.excluded:
            return
        if earning.line.sku in self.by_sku:
            factor = self.by_sku[earning.line.sku]
            earning.rules.append(f"sku:{earning.line.sku}x{_number(factor)}")
        elif earning.line.category in self.by_category:
            factor = self.by_category[earning.line.category]
            earning.rules.append(f"category:{earning.line.category}x{_number(factor)}")
        else:
            return
        earning.exact *= Fraction(factor)


class CampaignMultipliers:
    """Every campaign running when the order was placed multiplies the lines it covers."""

    def __init__(self, campaigns: Sequence[CampaignRule]) -> None:
        self.campaigns = [campaign for campaign in campaigns if campaign.multiplier is not None]

    def apply(self, earning: LineEarning, context: Context) -> None:
        if earning.excluded:
            return
        for campaign in self.campaigns:
            if campaign.active_at(context.placed_at) and campaign.covers(earning.line.category):
                assert campaign.multiplier is not None
                earning.exact *= Fraction(campaign.multiplier)
                earning.rules.append(f"campaign:{campaign.campaign_id}x{_number(campaign.multiplier)}")


class TierMultiplier:
    def apply(self, earning: LineEarning, context: Context) -> None:
        if earning.excluded or context.tier_multiplier == 1:
            return
        earning.exact *= Fraction(context.tier_multiplier)
        earning.rules.append(f"tier:{context.tier_name}x{_number(context.tier_multiplier)}")


@dataclass(frozen=True)
class LineResult:
    sku: str
    points: int
    exact: Fraction  # stored as text ("10/3"): refunds read it back exactly
    rules: list[str]


@dataclass(frozen=True)
class Bonus:
    campaign_id: str
    points: int


@dataclass(frozen=True)
class OrderEarning:
    points: int
    lines: list[LineResult]
    bonuses: list[Bonus]
    net_minor: Fraction = ZERO  # what the customer paid for the lines, after every discount

    @property
    def line_points(self) -> int:
        return sum(line.points for line in self.lines)


def discount_shares(lines: Sequence[OrderLine], discount_minor: int) -> list[Fraction]:
    """The order discount spread over lines in proportion to what is left of their amounts after their
    own discounts: exact fractions, never above what is left."""
    total = sum(line.after_line_discount for line in lines)
    if total == 0:
        return [ZERO for _ in lines]
    discount = Fraction(min(discount_minor, total))
    return [discount * line.after_line_discount / total for line in lines]


def pipeline(rules: EarningRules) -> list[Calculator]:
    return [
        BaseRate(rules.points_per_unit),
        Exclusion(rules.excluded_categories),
        ProductMultiplier(rules.sku_multipliers, rules.category_multipliers),
        CampaignMultipliers(rules.campaigns),
        TierMultiplier(),
    ]


def earn(lines: Sequence[OrderLine], discount_minor: int, rules: EarningRules, context: Context) -> OrderEarning:
    """Points for an order: the exact sum over lines floored once, plus campaign bonuses.

    Each line's shown ``points`` is its share of the floored total (largest remainder), so the
    breakdown always adds up to what was credited.
    """
    calculators = pipeline(rules)
    discounts = Discounts(lines, discount_minor)
    earnings = []
    for index, line in enumerate(lines):
        earning = LineEarning(line=line, net_minor=Fraction(line.amount_minor))
        discounts.apply_at(index, earning)
        for calculator in calculators:
            calculator.apply(earning, context)
        earnings.append(earning)
    total_exact = sum((earning.exact for earning in earnings), ZERO)
    floored = math.floor(total_exact)
    shown = _largest_remainder([earning.exact for earning in earnings], floored)
    results = [
        LineResult(sku=e.line.sku, points=points, exact=e.exact, rules=e.rules)
        for e, points in zip(earnings, shown, strict=True)
    ]
    bonuses = [
        Bonus(campaign.campaign_id, campaign.bonus_points)
        for campaign in rules.campaigns
        if campaign.bonus_points
        and campaign.active_at(context.placed_at)
        and any(campaign.covers(e.line.category) and not e.excluded for e in earnings)
    ]
    net = sum((earning.net_minor for earning in earnings), ZERO)
    return OrderEarning(points=floored + sum(b.points for b in bonuses), lines=results, bonuses=bonuses, net_minor=net)


def _largest_remainder(exact: list[Fraction], total: int) -> list[int]:
    """Integers that add up to ``total``, each the floor of its exact value or one more."""
    floors = [math.floor(value) for value in exact]
    missing = total - sum(floors)
    order = sorted(range(len(exact)), key=lambda i: (exact[i] - floors[i], -i), reverse=True)
    for index in order[:missing]:
        floors[index] += 1
    return floors
