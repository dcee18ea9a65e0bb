"""Refunds: proportional, pending first, never beyond the order, idempotent by refund_id."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from harness.programs import program_document
from loyalty.adapters import clock
from loyalty.domain.errors import OrderNotFound, RefundExceedsOrder
from loyalty.models.member import EnrollRequest
from loyalty.models.order import OrderRequest, RefundRequest
from loyalty.models.program import Program
from loyalty.services import accrual, members, program, refunds

# The engine decides these outcomes (transactions, conditions, index queries): moto and DynamoDB Local.
pytestmark = pytest.mark.engine

NOW = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)


@pytest.fixture
def setup(aws: str) -> Any:
    def configure(**overrides: Any) -> None:
        clock.set_clock(lambda: NOW)
        program.save(Program.model_validate(program_document(**overrides)))
        members.enroll(EnrollRequest(member_id="m-1", email="ada@example.com"))

    return configure


def place(order_id: str, lines: list[tuple[str, int, int]], discount: int = 0) -> int:
    request = OrderRequest.model_validate(
        {
            "order_id": order_id,
            "member_id": "m-1",
            "currency": "USD",
            "placed_at": "2026-11-22T14:00:00Z",
            "discount_minor": discount,
            "lines": [{"sku": s, "category": "shoes", "quantity": q, "unit_price_minor": p} for s, q, p in lines],
        }
    )
    return accrual.accrue(request).result.points


def refund(order_id: str, refund_id: str, **body: Any) -> refunds.Refunded:
    return refunds.refund(order_id, RefundRequest.model_validate({"refund_id": refund_id, **body}))


def test_two_half_refunds_reverse_the_whole_earning_and_a_third_is_refused(setup: Any) -> None:
    setup()
    assert place("o-1", [("A", 1, 10_150)]) == 101
    first = refund("o-1", "r-1", amount_minor=5075)
    second = refund("o-1", "r-2", amount_minor=5075)
    assert first.result.points_reversed + second.result.points_reversed == 101
    assert second.result.member.points.available == 0
    with pytest.raises(RefundExceedsOrder):
        refund("o-1", "r-3", amount_minor=1)
    assert members.get("m-1").points.available == 0


def test_refund_by_lines_reverses_what_those_units_earned(setup: Any) -> None:
    setup()
    place("o-1", [("A", 2, 10_000), ("B", 1, 5_000)])  # A earns 200, B 50
    assert refund("o-1", "r-1", lines=[{"sku": "A", "quantity": 1}]).result.points_reversed == 100
    assert refund("o-1", "r-2", lines=[{"sku": "B", "quantity": 1}]).result.points_reversed == 50
    with pytest.raises(RefundExceedsOrder):
        refund("o-1", "r-3", lines=[{"sku": "B", "quantity": 1}])
    with pytest.raises(RefundExceedsOrder):
        refund("o-1", "r-4", lines=[{"sku": "Z", "quantity": 1}])
    last = refund("o-1", "r-5", lines=[{"sku": "A", "quantity": 1}])
    assert last.result.points_reversed == 100
    assert last.result.member.points.available == 0 and last.result.member.points.lifetime_earned == 0


def test_a_refund_is_idempotent_by_its_id(setup: Any) -> None:
    setup()
    place("o-1", [("A", 1, 10_000)])
    first = refund("o-1", "r-1", amount_minor=2_500)
    again = refund("o-1", "r-1", amount_minor=9_999)
    assert first.created and not again.created
    assert again.result.points_reversed == first.result.points_reversed == 25
    assert members.get("m-1").points.available == 75


def test_pending_points_are_reversed_before_available_ones(setup: Any) -> None:
    setup(pending_days=30)
    place("o-1", [("A", 1, 10_000)])
    result = refund("o-1", "r-1", amount_minor=4_000).result
    assert (result.member.points.pending, result.member.points.available) == (60, 0)


def test_an_unknown_order_is_404(setup: Any) -> None:
    setup()
    with pytest.raises(OrderNotFound):
        refund("nope", "r-1", amount_minor=1)
