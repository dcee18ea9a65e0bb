"""Table-driven tests of the earning calculators: every rule alone and in combination."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from loyalty.domain.earning import CampaignRule, Context, EarningRules, OrderLine, discount_shares, earn

PLACED = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
NOV = datetime(2026, 11, 1, tzinfo=UTC)
DEC = datetime(2026, 12, 1, tzinfo=UTC)


def line(sku: str = "A", category: str = "shoes", quantity: int = 1, price: int = 1000) -> OrderLine:
    return OrderLine(sku=sku, category=category, quantity=quantity, unit_price_minor=price)


def campaign(
    cid: str = "c",
    multiplier: str | None = None,
    bonus: int | None = None,
    categories: set[str] | None = None,
    starts: datetime = NOV,
    ends: datetime = DEC,
) -> CampaignRule:
    return CampaignRule(
        cid,
        starts,
        ends,
        Decimal(multiplier) if multiplier else None,
        bonus,
        frozenset(categories) if categories else None,
    )


@dataclass
class Case:
    name: str
    lines: list[OrderLine]
    expected: int
    discount: int = 0
    ppu: str = "1"
    sku: dict[str, str] = field(default_factory=dict)
    cat: dict[str, str] = field(default_factory=dict)
    excluded: set[str] = field(default_factory=set)
    campaigns: list[CampaignRule] = field(default_factory=list)
    tier: str = "1"
    placed: datetime = PLACED
    rules: list[list[str]] | None = None


CASES = [
    Case("base: $10.00 at 1 point per unit", [line(price=1000)], 10, rules=[["base:1/unit"]]),
    Case("base rate is a decimal", [line(price=1000)], 15, ppu="1.5"),
    Case("quantity multiplies the unit price", [line(quantity=3, price=250)], 7),
    Case("order total is floored once, not per line", [line("A", price=150), line("B", price=150)], 3),
    Case("a zero-price line earns nothing and breaks nothing", [line("FREE", price=0), line("B", price=500)], 5),
    Case(
        "category multiplier",
        [line(category="electronics", price=1000)],
        20,
        cat={"electronics": "2"},
        rules=[["base:1/unit", "category:electronicsx2"]],
    ),
    Case(
        "SKU multiplier wins over category",
        [line("GC", "electronics", price=1000)],
        5,
        sku={"GC": "0.5"},
        cat={"electronics": "2"},
        rules=[["base:1/unit", "sku:GCx0.5"]],
    ),
    Case(
        "excluded category earns nothing even with multipliers",
        [line("CIG", "tobacco", price=5000), line(price=1000)],
        10,
        excluded={"tobacco"},
        cat={"tobacco": "3"},
        rules=[["base:1/unit", "excluded:tobacco"], ["base:1/unit"]],
    ),
    Case(
        "discount spread in proportion to amounts",
        [line("A", price=3000), line("B", price=1000)],
        30,
        discount=1000,
        rules=[["discount", "base:1/unit"], ["discount", "base:1/unit"]],
    ),
    Case(
        "discount share of an excluded line is not moved to others",
        [line("CIG", "tobacco", price=1000), line(price=1000)],
        5,
        discount=1000,
        excluded={"tobacco"},
    ),
    Case("100% discount earns nothing", [line(price=1000), line("B", price=500)], 0, discount=1500),
    Case("discount above the order total earns nothing, never negative", [line(price=1000)], 0, discount=99999),
    Case("campaign multiplier for all categories", [line(price=1000)], 20, campaigns=[campaign(multiplier="2")]),
    Case(
        "campaign multiplier only for its categories",
        [line("A", "shoes", price=1000), line("B", "food", price=1000)],
        30,
        campaigns=[campaign(multiplier="2", categories={"shoes"})],
    ),
    Case(
        "campaign active at its exact start instant",
        [line(price=1000)],
        20,
        campaigns=[campaign(multiplier="2", starts=PLACED)],
    ),
    Case(
        "campaign over at its exact end instant",
        [line(price=1000)],
        10,
        campaigns=[campaign(multiplier="2", ends=PLACED)],
    ),
    Case(
        "campaign bonus added once per order",
        [line(price=1000), line("B", price=1000)],
        70,
        campaigns=[campaign(bonus=50)],
    ),
    Case(
        "bonus needs an earning line in its categories",
        [line("CIG", "tobacco", price=1000)],
        0,
        excluded={"tobacco"},
        campaigns=[campaign(bonus=50)],
    ),
    Case("bonus outside its window is not added", [line(price=1000)], 10, campaigns=[campaign(bonus=50, ends=PLACED)]),
    Case("tier multiplier", [line(price=1000)], 12, tier="1.25"),
    Case(
        "several multipliers compose: category x two campaigns x tier",
        [line(category="electronics", price=1000)],
        90,
        cat={"electronics": "2"},
        campaigns=[campaign("c1", multiplier="2"), campaign("c2", multiplier="1.5")],
        tier="1.5",
        rules=[["base:1/unit", "category:electronicsx2", "campaign:c1x2", "campaign:c2x1.5", "tier:Goldx1.5"]],
    ),
    Case(
        "fractions across lines add up before the floor",
        [line("A", price=333), line("B", price=333), line("C", price=334)],
        15,
        ppu="1.5",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_earning_rules(case: Case) -> None:
    rules = EarningRules(
        points_per_unit=Decimal(case.ppu),
        sku_multipliers={k: Decimal(v) for k, v in case.sku.items()},
        category_multipliers={k: Decimal(v) for k, v in case.cat.items()},
        excluded_categories=frozenset(case.excluded),
        campaigns=case.campaigns,
    )
    result = earn(case.lines, case.discount, rules, Context(case.placed, "Gold", Decimal(case.tier)))
    assert result.points == case.expected
    assert result.line_points + sum(bonus.points for bonus in result.bonuses) == result.points
    assert all(line_result.points >= 0 for line_result in result.lines)
    if case.rules is not None:
        assert [line_result.rules for line_result in result.lines] == case.rules


def test_breakdown_adds_up_to_the_floored_total_by_largest_remainder() -> None:
    lines = [line("A", price=150), line("B", price=150), line("C", price=100)]
    result = earn(lines, 0, EarningRules(points_per_unit=Decimal(1)), Context(PLACED, "Bronze", Decimal(1)))
    assert result.points == 4
    assert sorted(line_result.points for line_result in result.lines) == [1, 1, 2]


def test_discount_shares_are_exact_and_proportional() -> None:
    shares = discount_shares([line(price=200), line(price=100)], 30)
    assert shares == [Decimal(20), Decimal(10)]
    assert discount_shares([line(price=0)], 10) == [Decimal(0)]
