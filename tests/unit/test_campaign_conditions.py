"""Table-driven tests of the campaign conditions and the budget cap: each rule alone, then in an order."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction

import pytest

from loyalty.domain.earning import (
    BudgetCap,
    CampaignCondition,
    CampaignRule,
    CampaignWindow,
    Context,
    EarningRules,
    MemberLimit,
    MinimumOrder,
    OrderFacts,
    OrderLine,
    SkuCondition,
    TierCondition,
    earn,
)

NOV = datetime(2026, 11, 1, tzinfo=UTC)
DEC = datetime(2026, 12, 1, tzinfo=UTC)
PLACED = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
BASE = CampaignRule("c", NOV, DEC, bonus_points=100)
CONTEXT = Context(PLACED, "Bronze", Decimal(1))
ORDER = OrderFacts(net_minor=Fraction(5_000), skus=frozenset({"A", "B"}))


@dataclass
class Case:
    name: str
    rule: CampaignCondition
    campaign: CampaignRule
    allowed: bool
    order: OrderFacts = ORDER
    context: Context = CONTEXT


CASES = [
    Case("window: inside", CampaignWindow(), BASE, True),
    Case("window: the end instant is out", CampaignWindow(), replace(BASE, ends_at=PLACED), False),
    Case("window: the start instant is in", CampaignWindow(), replace(BASE, starts_at=PLACED), True),
    Case("minimum: none", MinimumOrder(), BASE, True),
    Case("minimum: reached exactly", MinimumOrder(), replace(BASE, min_order_minor=5_000), True),
    Case("minimum: a fraction short", MinimumOrder(), replace(BASE, min_order_minor=5_000), False,
         order=OrderFacts(Fraction(14_999, 3), frozenset({"A"}))),
    Case("tiers: none", TierCondition(), BASE, True),
    Case("tiers: the member's", TierCondition(), replace(BASE, tiers=frozenset({"Bronze", "Gold"})), True),
    Case("tiers: not the member's", TierCondition(), replace(BASE, tiers=frozenset({"Gold"})), False),
    Case("skus: none", SkuCondition(), BASE, True),
    Case("skus: one held", SkuCondition(), replace(BASE, skus=frozenset({"B", "Z"})), True),
    Case("skus: none held", SkuCondition(), replace(BASE, skus=frozenset({"Z"})), False),
    Case("limit: none", MemberLimit(), BASE, True),
    Case("limit: below", MemberLimit(), replace(BASE, per_member_limit=2), True,
         context=replace(CONTEXT, campaign_uses={"c": 1})),
    Case("limit: reached", MemberLimit(), replace(BASE, per_member_limit=2), False,
         context=replace(CONTEXT, campaign_uses={"c": 2})),
    Case("limit: another campaign's uses", MemberLimit(), replace(BASE, per_member_limit=1), True,
         context=replace(CONTEXT, campaign_uses={"other": 5})),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_campaign_condition(case: Case) -> None:
    assert case.rule.allows(case.campaign, case.order, case.context) is case.allowed


@pytest.mark.parametrize(
    ("budget", "left", "expected"),
    [
        (None, {}, (100, False)),
        (1_000, {}, (100, False)),  # nothing known spent: the whole bonus
        (1_000, {"c": 100}, (100, False)),
        (1_000, {"c": 40}, (40, True)),
        (1_000, {"c": 0}, (0, True)),
        (1_000, {"c": -5}, (0, True)),  # a budget lowered below what was spent
        (30, {}, (30, True)),  # a budget smaller than one bonus
    ],
)
def test_budget_cap(budget: int | None, left: dict[str, int], expected: tuple[int, bool]) -> None:
    campaign = replace(BASE, budget_points=budget)
    assert BudgetCap().cap(campaign, 100, replace(CONTEXT, budget_left=left)) == expected


@dataclass
class OrderCase:
    name: str
    campaign: CampaignRule
    expected_points: int
    benefited: set[str]
    lines: list[OrderLine] = field(default_factory=lambda: [OrderLine("A", "shoes", 1, 1_000)])
    context: Context = CONTEXT


def _rules(campaign: CampaignRule) -> EarningRules:
    return EarningRules(points_per_unit=Decimal(1), campaigns=[campaign])


ORDER_CASES = [
    OrderCase("a bonus campaign benefits the order", BASE, 110, {"c"}),
    OrderCase("a budget spent: no benefit", replace(BASE, budget_points=100), 10, set(),
              context=replace(CONTEXT, budget_left={"c": 0})),
    OrderCase("skus: a multiplier on their lines only", CampaignRule("x", NOV, DEC, Decimal(3), skus=frozenset({"B"})),
              10 + 30, {"x"}, lines=[OrderLine("A", "shoes", 1, 1_000), OrderLine("B", "shoes", 1, 1_000)]),
    OrderCase("skus: the bonus needs one of them", replace(BASE, skus=frozenset({"B"})), 10, set()),
    OrderCase("min order: judged after the discount", replace(BASE, min_order_minor=1_000), 9, set(),
              lines=[OrderLine("A", "shoes", 1, 1_000, discount_minor=100)]),
]  # fmt: skip


@pytest.mark.parametrize("case", ORDER_CASES, ids=[case.name for case in ORDER_CASES])
def test_campaign_limits_in_an_order(case: OrderCase) -> None:
    earned = earn(case.lines, 0, _rules(case.campaign), case.context)
    assert earned.points == case.expected_points
    assert earned.benefited == case.benefited
