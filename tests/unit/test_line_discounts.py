"""Line discounts (contract v1.1 ``lines[].discount_minor``) and the exact spread of the order discount."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction

import pytest
from pydantic import ValidationError

from loyalty.domain.earning import Context, EarningRules, OrderLine, discount_shares, earn
from loyalty.models.order import OrderLineIn

PLACED = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def line(sku: str = "A", price: int = 1000, quantity: int = 1, discount: int = 0, category: str = "c") -> OrderLine:
    return OrderLine(sku, category, quantity, price, discount)


@dataclass
class Case:
    name: str
    lines: list[OrderLine]
    order_discount: int
    expected: int
    ppu: str = "1"


CASES = [
    Case("three 10.00 lines less 20.00 earn exactly 10", [line("A"), line("B"), line("C")], 2000, 10),
    Case("three 10.00 lines less 10.00 earn exactly 20", [line("A"), line("B"), line("C")], 1000, 20),
    Case("a line discount lowers only its line", [line("A", discount=400), line("B")], 0, 16),
    Case("line discount, then the order discount on what is left", [line("A", discount=500), line("B")], 500, 10),
    Case(
        "the order discount is spread by what is left after line discounts",
        [line("A", price=3000, discount=2000), line("B", price=1000)],
        1000,
        10,
    ),
    Case("a fully discounted line earns nothing", [line("A", discount=1000), line("B", price=500)], 0, 5),
    Case(
        "every line fully discounted: the order discount has nothing left to take", [line("A", discount=1000)], 500, 0
    ),
    Case("quantity times price is the line's amount", [line("A", price=333, quantity=3, discount=99)], 0, 9),
    Case(
        "thirds at 1.5 points per unit add up before the one floor", [line("A"), line("B"), line("C")], 1000, 30, "1.5"
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_line_and_order_discounts(case: Case) -> None:
    result = earn(
        case.lines,
        case.order_discount,
        EarningRules(points_per_unit=Decimal(case.ppu)),
        Context(PLACED, "Bronze", Decimal(1)),
    )
    assert result.points == case.expected
    assert sum(line_result.points for line_result in result.lines) == result.points


def test_the_spread_is_exact_fractions() -> None:
    shares = discount_shares([line("A"), line("B"), line("C")], 2000)
    assert shares == [Fraction(2000, 3)] * 3
    assert sum(shares) == 2000


def test_net_paid_is_exact_after_every_discount() -> None:
    result = earn(
        [line("A", discount=250), line("B")],
        750,
        EarningRules(points_per_unit=Decimal(1)),
        Context(PLACED, "Bronze", Decimal(1)),
    )
    assert result.net_minor == 1000
    assert [r.rules[:2] for r in result.lines] == [["line_discount", "discount"], ["discount", "base:1/unit"]]


def test_a_line_discount_above_the_line_amount_is_refused() -> None:
    OrderLineIn(sku="A", category="c", quantity=2, unit_price_minor=500, discount_minor=1000)
    with pytest.raises(ValidationError, match="discount_minor"):
        OrderLineIn(sku="A", category="c", quantity=2, unit_price_minor=500, discount_minor=1001)
    with pytest.raises(ValidationError):
        OrderLineIn(sku="A", category="c", quantity=1, unit_price_minor=500, discount_minor=-1)
