"""Earning rules as composable calculators.

An order is turned into one ``LineEarning`` per line. Each calculator refines a line's exact points
(a ``Fraction``: the order discount's spread is a division, and a Decimal would round it) and names
itself in the line's ``rules``; nothing is rounded until the order total, which is floored once, as
the contract says. Campaign bonus points are added once per order.

The pipeline, in order: discounts (the line's own, then its share of the order's) -> base rate ->
exclusion -> product multiplier (SKU, else category) -> campaign multipliers -> tier multiplier. Each
step is a small class with ``apply``; ``Discounts`` sees the whole order, since a share depends on
every line.

Which campaigns take part is decided first, for the whole order, by one class per condition
(``CAMPAIGN_CONDITIONS``): the member's group (a holdout may exclude campaigns), the campaign window, the
minimum order, the member's tier, the SKUs it asks for and the member's own limit of orders. A campaign's
``bonus_points`` are then capped by what is left of its budget (``BudgetCap``): what is left is known to
the caller (see loyalty.services.accrual), and the bonus says when it was cut (``limited``).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
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
    skus: frozenset[str] | None = None  # only lines of these SKUs take part; the bonus needs one of them
    tiers: frozenset[str] | None = None  # only members of these tiers
    min_order_minor: int | None = None  # the order's net amount (after every discount) must reach it
    per_member_limit: int | None = None  # orders per member that may benefit
    budget_points: int | None = None  # the most bonus points the campaign adds across all members

    def active_at(self, moment: datetime) -> bool:
        """The start instant counts, the end instant does not: back-to-back campaigns never overlap."""
        return self.starts_at <= moment < self.ends_at

    def covers(self, category: str, sku: str | None = None) -> bool:
        in_category = self.categories is None or category in self.categories
        return in_category and (self.skus is None or sku is None or sku in self.skus)


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
    campaigns: set[str] = field(default_factory=set)  # the campaigns whose multiplier applied


@dataclass(frozen=True)
class Context:
    placed_at: datetime
    tier_name: str
    tier_multiplier: Decimal
    campaign_uses: Mapping[str, int] = field(default_factory=dict)  # orders of this member each campaign benefited
    budget_left: Mapping[str, int] = field(default_factory=dict)  # bonus points left, per campaign with a budget
    # A holdout member whose program excludes campaigns (loyalty.domain.holdout): no campaign takes part, so
    # none adds points, takes budget or counts against its per_member_limit.
    campaigns_withheld: bool = False


@dataclass(frozen=True)
class OrderFacts:
    """What a campaign condition may look at: the order as a whole."""

    net_minor: Fraction  # after line and order discounts
    skus: frozenset[str]


class CampaignCondition(Protocol):
    def allows(self, campaign: CampaignRule, order: OrderFacts, context: Context) -> bool: ...


class CampaignWindow:
    """Campaigns are judged by ``placed_at``: start instant included, end instant excluded."""

    def allows(self, campaign: CampaignRule, order: OrderFacts, context: Context) -> bool:
        return campaign.active_at(context.placed_at)


class MinimumOrder:
    """``min_order_minor``: the order's net amount, after every discount, reaches it."""

    def allows(self, campaign: CampaignRule, order: OrderFacts, context: Context) -> bool:
        return campaign.min_order_minor is None or order.net_minor >= campaign.min_order_minor


class TierCondition:
    """``tiers``: only members of these tiers (their tier before this order)."""

    def allows(self, campaign: CampaignRule, order: OrderFacts, context: Context) -> bool:
        return campaign.tiers is None or context.tier_name in campaign.tiers


class SkuCondition:
    """``skus``: the order holds at least one of them."""

    def allows(self, campaign: CampaignRule, order: OrderFacts, context: Context) -> bool:
        return campaign.skus is None or not campaign.skus.isdisjoint(order.skus)


class MemberLimit:
    """``per_member_limit``: the member's orders that benefited stay below it."""

    def allows(self, campaign: CampaignRule, order: OrderFacts, context: Context) -> bool:
        limit = campaign.per_member_limit
        return limit is None or context.campaign_uses.get(campaign.campaign_id, 0) < limit


class NotHeldOut:
    """The program's holdout: a member held out of campaigns takes part in none."""

    def allows(self, campaign: CampaignRule, order: OrderFacts, context: Context) -> bool:
        return not context.campaigns_withheld


CAMPAIGN_CONDITIONS: tuple[CampaignCondition, ...] = (
    NotHeldOut(),
    CampaignWindow(),
    MinimumOrder(),
    TierCondition(),
    SkuCondition(),
    MemberLimit(),
)


def eligible(campaigns: Sequence[CampaignRule], order: OrderFacts, context: Context) -> list[CampaignRule]:
    """The campaigns every condition allows for this order."""
    return [c for c in campaigns if all(rule.allows(c, order, context) for rule in CAMPAIGN_CONDITIONS)]


class BudgetCap:
    """``budget_points``: a bonus takes at most what is left of its campaign's budget."""

    def cap(self, campaign: CampaignRule, points: int, context: Context) -> tuple[int, bool]:
        if campaign.budget_points is None:
            return points, False
        left = max(
            min(context.budget_left.get(campaign.campaign_id, campaign.budget_points), campaign.budget_points), 0
        )
        return min(points, left), points > left


class Calculator(Protocol):
    def apply(self, earning: LineEarning, context: Context) -> None: ...


# Rates and multipliers are few (the program's): their exact fractions and their text in the rules are
# computed once each, not for every line of every order.
@functools.cache
def _number(value: Decimal) -> str:
    return format(value.normalize(), "f")


@functools.cache
def _fraction(value: Decimal) -> Fraction:
    return Fraction(value)


@functools.cache
def _per_minor(points_per_unit: Decimal) -> Fraction:
    """Points per minor unit (exactly points_per_unit / 100: one multiplication per line, not two)."""
    return _fraction(points_per_unit) / HUNDRED


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
        else:
            earning.net_minor = Fraction(line.after_line_discount)


class BaseRate:
    """Net amount in currency units times the program's points per unit."""

    def __init__(self, points_per_unit: Decimal) -> None:
        self.points_per_unit = points_per_unit

    def apply(self, earning: LineEarning, context: Context) -> None:
        earning.exact = earning.net_minor * _per_minor(self.points_per_unit)
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
        earning.exact *= _fraction(factor)


class CampaignMultipliers:
    """Every campaign running when the order was placed multiplies the lines it covers."""

    def __init__(self, campaigns: Sequence[CampaignRule]) -> None:
        self.campaigns = [campaign for campaign in campaigns if campaign.multiplier is not None]

    def apply(self, earning: LineEarning, context: Context) -> None:
        if earning.excluded:
            return
        for campaign in self.campaigns:
            if campaign.covers(earning.line.category, earning.line.sku):
                assert campaign.multiplier is not None
                earning.exact *= _fraction(campaign.multiplier)
                earning.campaigns.add(campaign.campaign_id)
                earning.rules.append(f"campaign:{campaign.campaign_id}x{_number(campaign.multiplier)}")


class TierMultiplier:
    def apply(self, earning: LineEarning, context: Context) -> None:
        if earning.excluded or context.tier_multiplier == 1:
            return
        earning.exact *= _fraction(context.tier_multiplier)
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
    limited: bool = False  # cut by the campaign's budget: ``points`` is what was left


@dataclass(frozen=True)
class OrderEarning:
    points: int
    lines: list[LineResult]
    bonuses: list[Bonus]
    net_minor: Fraction = ZERO  # what the customer paid for the lines, after every discount
    benefited: frozenset[str] = frozenset()  # the campaigns that added to this order (multiplier or bonus)

    @property
    def line_points(self) -> int:
        return sum(line.points for line in self.lines)


def discount_shares(lines: Sequence[OrderLine], discount_minor: int) -> list[Fraction]:
    """The order discount spread over lines in proportion to what is left of their amounts after their
    own discounts: exact fractions, never above what is left."""
    total = sum(line.after_line_discount for line in lines)
    if total == 0 or discount_minor == 0:
        return [ZERO for _ in lines]
    discount = Fraction(min(discount_minor, total))
    return [discount * line.after_line_discount / total for line in lines]


def pipeline(rules: EarningRules, campaigns: Sequence[CampaignRule]) -> list[Calculator]:
    return [
        BaseRate(rules.points_per_unit),
        Exclusion(rules.excluded_categories),
        ProductMultiplier(rules.sku_multipliers, rules.category_multipliers),
        CampaignMultipliers(campaigns),
        TierMultiplier(),
    ]


def earn(lines: Sequence[OrderLine], discount_minor: int, rules: EarningRules, context: Context) -> OrderEarning:
    """Points for an order: the exact sum over lines floored once, plus campaign bonuses.

    Each line's shown ``points`` is its share of the floored total (largest remainder), so the
    breakdown always adds up to what was credited.
    """
    discounts = Discounts(lines, discount_minor)
    earnings = []
    for index, line in enumerate(lines):
        earning = LineEarning(line=line, net_minor=ZERO)  # Discounts.apply_at sets it
        discounts.apply_at(index, earning)
        earnings.append(earning)
    facts = OrderFacts(
        net_minor=sum((earning.net_minor for earning in earnings), ZERO), skus=frozenset(ln.sku for ln in lines)
    )
    campaigns = eligible(rules.campaigns, facts, context)
    calculators = pipeline(rules, campaigns)
    for earning in earnings:
        for calculator in calculators:
            calculator.apply(earning, context)
    total_exact = sum((earning.exact for earning in earnings), ZERO)
    floored = math.floor(total_exact)
    shown = _largest_remainder([earning.exact for earning in earnings], floored)
    results = [
        LineResult(sku=e.line.sku, points=points, exact=e.exact, rules=e.rules)
        for e, points in zip(earnings, shown, strict=True)
    ]
    cap = BudgetCap()
    bonuses = []
    for campaign in campaigns:
        if campaign.bonus_points and any(
            campaign.covers(e.line.category, e.line.sku) and not e.excluded for e in earnings
        ):
            points, limited = cap.cap(campaign, campaign.bonus_points, context)
            bonuses.append(Bonus(campaign.campaign_id, points, limited))
    multiplied = {campaign_id for e in earnings for campaign_id in e.campaigns}
    benefited = frozenset(multiplied | {b.campaign_id for b in bonuses if b.points > 0})
    return OrderEarning(
        points=floored + sum(b.points for b in bonuses),
        lines=results,
        bonuses=bonuses,
        net_minor=facts.net_minor,
        benefited=benefited,
    )


def _largest_remainder(exact: list[Fraction], total: int) -> list[int]:
    """Integers that add up to ``total``, each the floor of its exact value or one more."""
    floors = [math.floor(value) for value in exact]
    missing = total - sum(floors)
    order = sorted(range(len(exact)), key=lambda i: (exact[i] - floors[i], -i), reverse=True)
    for index in order[:missing]:
        floors[index] += 1
    return floors
