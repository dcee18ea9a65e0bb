"""Campaign limits under concurrency, refereed by the real engine (DynamoDB Local)."""

from __future__ import annotations

from typing import Any

import pytest

from harness.programs import program_document
from loyalty.adapters import clock
from loyalty.domain.errors import Contended
from loyalty.models.member import EnrollRequest
from loyalty.models.order import OrderRequest
from loyalty.models.program import Program
from loyalty.services import accrual, campaigns, members, program
from loyalty.services.member_writes import Recorded
from tests.auditing import audit_clean
from tests.engine.races.test_concurrency import race

pytestmark = pytest.mark.parametrize("aws", ["dynamodb-local"], indirect=True)

CAMPAIGN = {"campaign_id": "launch", "starts_at": "2026-11-01T00:00:00Z", "ends_at": "2026-12-31T00:00:00Z"}


def order(order_id: str, member_id: str) -> OrderRequest:
    return OrderRequest.model_validate(
        {
            "order_id": order_id,
            "member_id": member_id,
            "currency": "USD",
            "placed_at": clock.now().isoformat(),
            "lines": [{"sku": "A", "category": "shoes", "quantity": 1, "unit_price_minor": 1_000}],
        }
    )


def until_recorded(request: OrderRequest) -> accrual.Accrued:
    """As a client does with a 503: send the same order again until it is recorded."""
    for _ in range(20):
        try:
            return accrual.accrue(request)
        except Contended:
            continue
    raise AssertionError(f"{request.order_id} was never recorded")


def bonus_of(accrued: Any) -> int:
    return sum(bonus.points for bonus in accrued.result.bonuses)


def orders_racing_for_the_budget(count: int, budget_points: int) -> list[Any]:
    """``count`` members, each placing one order at the same time under a campaign of 100 bonus points
    an order within ``budget_points``: what each order's accrual answered."""
    campaign = {**CAMPAIGN, "bonus_points": 100, "budget_points": budget_points}
    program.save(Program.model_validate(program_document(campaigns=[campaign])))
    for i in range(count):
        members.enroll(EnrollRequest(member_id=f"m-{i}", email=f"m-{i}@example.com"))
    return race(count, lambda i: until_recorded(order(f"o-{i}", f"m-{i}")))


def test_fifty_concurrent_orders_give_exactly_the_budget(aws: str) -> None:
    outcomes = orders_racing_for_the_budget(50, budget_points=1_000)
    assert all(isinstance(o, Recorded) and o.created for o in outcomes), outcomes
    assert sum(bonus_of(o) for o in outcomes) == 1_000
    given = sorted(bonus_of(o) for o in outcomes)
    assert given == [0] * 40 + [100] * 10
    assert sum(members.get(f"m-{i}").points.available for i in range(50)) == 50 * 10 + 1_000
    read = campaigns.read("launch")
    assert (read.spent_points, read.remaining_points) == (1_000, 0)
    audit_clean()


def test_a_budget_that_does_not_divide_ends_with_one_partial_bonus(aws: str) -> None:
    outcomes = orders_racing_for_the_budget(12, budget_points=450)
    bonuses = [o.result.bonuses[0] for o in outcomes]
    assert sum(b.points for b in bonuses) == 450
    assert sorted(b.points for b in bonuses) == [0] * 7 + [50] + [100] * 4
    assert all(b.limited == (b.points < 100) for b in bonuses)
    audit_clean()


def test_one_member_racing_orders_benefits_only_up_to_its_limit(aws: str) -> None:
    program.save(
        Program.model_validate(program_document(campaigns=[{**CAMPAIGN, "bonus_points": 100, "per_member_limit": 2}]))
    )
    members.enroll(EnrollRequest(member_id="m-1", email="ada@example.com"))
    outcomes = race(8, lambda i: until_recorded(order(f"o-{i}", "m-1")))
    assert sorted(bonus_of(o) for o in outcomes) == [0] * 6 + [100] * 2
    assert members.get("m-1").points.available == 8 * 10 + 200
    audit_clean()
