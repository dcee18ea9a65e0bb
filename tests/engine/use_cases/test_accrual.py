"""Accrual through the service: exactly-once credit, pending points, lots, tiers, cost."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from harness.counting import DynamoCalls
from harness.programs import program_document
from loyalty.adapters import clock
from loyalty.domain.errors import InvalidInput, MemberNotFound
from loyalty.models.member import EnrollRequest
from loyalty.models.order import OrderRequest
from loyalty.models.program import Program
from loyalty.services import accrual, members, program
from loyalty.store import orders as order_store

# The engine decides these outcomes (transactions, conditions, index queries): moto and DynamoDB Local.
pytestmark = pytest.mark.engine

NOW = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)  # 10:00 in New York


def configure(**overrides: Any) -> Program:
    return program.save(Program.model_validate(program_document(**overrides)))


@pytest.fixture
def member(aws: str) -> str:
    clock.set_clock(lambda: NOW)
    configure()
    members.enroll(EnrollRequest(member_id="m-1", email="ada@example.com"))
    return "m-1"


def order(
    order_id: str,
    *lines: tuple[str, str, int, int],
    member_id: str = "m-1",
    placed_at: str = "2026-11-22T14:00:00Z",
    discount: int = 0,
) -> OrderRequest:
    return OrderRequest.model_validate(
        {
            "order_id": order_id,
            "member_id": member_id,
            "currency": "USD",
            "placed_at": placed_at,
            "discount_minor": discount,
            "lines": [{"sku": s, "category": c, "quantity": q, "unit_price_minor": p} for s, c, q, p in lines]
            or [{"sku": "A", "category": "shoes", "quantity": 1, "unit_price_minor": 10_000}],
        }
    )


def test_an_order_is_credited_with_its_breakdown(member: str) -> None:
    accrued = accrual.accrue(order("o-1", ("TV", "electronics", 1, 50_000), ("CIG", "tobacco", 2, 1_000)))
    assert accrued.created
    result = accrued.result
    assert result.points == 1000
    assert result.status == "available"
    assert [line.model_dump() for line in result.breakdown] == [
        {"sku": "TV", "points": 1000, "rules": ["base:1/unit", "category:electronicsx2"]},
        {"sku": "CIG", "points": 0, "rules": ["base:1/unit", "excluded:tobacco"]},
    ]
    assert result.member.points.available == 1000
    assert result.member.points.lifetime_earned == 1000
    assert members.get("m-1") == result.member


def test_a_replay_returns_the_first_result_whatever_the_body(member: str) -> None:
    first = accrual.accrue(order("o-1"))
    again = accrual.accrue(order("o-1", ("B", "shoes", 9, 99_999)))
    assert not again.created
    assert again.result.model_dump(exclude={"member"}) == first.result.model_dump(exclude={"member"})
    assert members.get("m-1").points.available == 100


def test_an_unknown_member_gets_404_and_nothing_is_recorded(member: str) -> None:
    with pytest.raises(MemberNotFound):
        accrual.accrue(order("o-1", member_id="ghost"))
    assert order_store.get_order("o-1") is None


def test_another_currency_is_refused(member: str) -> None:
    request = order("o-1").model_copy(update={"currency": "EUR"})
    with pytest.raises(InvalidInput):
        accrual.accrue(request)
    assert order_store.get_order("o-1") is None


def test_pending_points_are_pending_until_the_start_of_their_day(aws: str) -> None:
    clock.set_clock(lambda: NOW)
    configure(pending_days=14)
    members.enroll(EnrollRequest(member_id="m-1", email="ada@example.com"))
    result = accrual.accrue(order("o-1")).result
    assert result.status == "pending"
    assert clock.isoformat(result.available_at) == "2026-12-06T05:00:00.000Z"  # midnight in New York
    assert (result.member.points.pending, result.member.points.available) == (100, 0)
    assert result.member.points.qualifying == 100
    assert members.get("m-1").points.pending == 100


def test_points_of_one_day_share_one_lot_that_expires_twelve_months_later(member: str) -> None:
    clock.set_clock(lambda: datetime(2026, 11, 23, 3, 0, tzinfo=UTC))  # the orders have all been placed
    accrual.accrue(order("o-1", placed_at="2026-11-22T14:00:00Z"))
    accrual.accrue(order("o-2", placed_at="2026-11-22T20:00:00Z"))
    accrual.accrue(order("o-3", placed_at="2026-11-21T20:00:00Z"))
    # 02:00Z on the 23rd is still the 22nd in New York.
    result = accrual.accrue(order("o-4", placed_at="2026-11-23T02:00:00Z")).result
    assert [e.model_dump() for e in result.member.expiring] == [
        {"points": 100, "expires_on": "2027-11-21"},
        {"points": 300, "expires_on": "2027-11-22"},
    ]


def test_no_expiry_means_no_expiring_dates(aws: str) -> None:
    clock.set_clock(lambda: NOW)
    configure(expiry_months=None)
    members.enroll(EnrollRequest(member_id="m-1", email="ada@example.com"))
    result = accrual.accrue(order("o-1")).result
    assert result.member.expiring == [] and result.member.points.available == 100


def test_crossing_a_threshold_upgrades_at_once_and_the_next_order_earns_more(member: str) -> None:
    first = accrual.accrue(order("o-1", ("A", "shoes", 1, 95_000))).result
    assert first.member.tier.name == "Bronze" and first.member.next_tier is not None
    assert first.member.next_tier.points_needed == 50
    second = accrual.accrue(order("o-2", ("A", "shoes", 1, 10_000))).result
    assert second.member.tier.name == "Silver" and second.member.tier.multiplier == 1.25
    assert second.member.next_tier is not None and second.member.next_tier.model_dump() == {
        "name": "Gold",
        "points_needed": 3950,
        "threshold": 5000,
    }
    third = accrual.accrue(order("o-3", ("A", "shoes", 1, 10_000))).result
    assert third.points == 125
    assert third.breakdown[0].rules == ["base:1/unit", "tier:Silverx1.25"]


def test_accrual_costs_two_round_trips_and_at_most_six_write_units(member: str, aws: str) -> None:
    accrual.accrue(order("o-0"))  # a member who already has a lot, as most do
    with DynamoCalls() as calls:
        accrual.accrue(order("o-1", ("A", "shoes", 2, 1999), ("B", "electronics", 1, 4999), ("C", "food", 3, 350)))
    assert calls.operations == ["Query", "TransactWriteItems"]
    if aws == "dynamodb-local":  # moto does not report consumed capacity faithfully
        assert 0 < calls.write_units <= 6
