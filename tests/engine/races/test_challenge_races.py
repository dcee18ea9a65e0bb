"""A challenge's completion under concurrency, refereed by the real engine (DynamoDB Local): the member's
version condition lets one completion through, however many orders race."""

from __future__ import annotations

from datetime import timedelta

import pytest

from harness.programs import program_document
from loyalty.adapters import clock
from loyalty.models.member import EnrollRequest
from loyalty.models.order import OrderRequest
from loyalty.models.program import Program
from loyalty.services import accrual, activity, challenges, members, program
from tests.auditing import audit_clean
from tests.engine.races.test_campaign_races import until_recorded
from tests.engine.races.test_concurrency import race

pytestmark = pytest.mark.parametrize("aws", ["dynamodb-local"], indirect=True)

ORDERS = 20


def test_twenty_concurrent_orders_that_each_complete_the_challenge_credit_its_reward_once(aws: str) -> None:
    first_order = {"challenge_id": "first", "label": "First order", "kind": "orders", "goal": 1,
                   "window_days": 30, "reward_points": 250, "badge": "first-order"}  # fmt: skip
    program.save(Program.model_validate(program_document(challenges=[first_order])))
    members.enroll(EnrollRequest(member_id="m-1", email="ada@example.com"))
    placed_at = (clock.now() - timedelta(minutes=5)).isoformat()

    def order(i: int) -> accrual.Accrued:
        return until_recorded(
            OrderRequest.model_validate(
                {
                    "order_id": f"o-{i}",
                    "member_id": "m-1",
                    "currency": "USD",
                    "placed_at": placed_at,
                    "lines": [{"sku": "A", "category": "shoes", "quantity": 1, "unit_price_minor": 1_000}],
                }
            )
        )

    outcomes = race(ORDERS, order)
    assert all(getattr(o, "created", False) for o in outcomes), outcomes
    member = members.get("m-1")
    assert member.points.available == ORDERS * 10 + 250
    assert [(b.badge, b.count) for b in member.badges] == [("first-order", 1)]
    bonuses = [e for e in activity.page("m-1", 100, None).items if e.kind == "bonus"]
    assert [(e.points, e.reason) for e in bonuses] == [(250, "challenge")]
    assert challenges.page("m-1").items[0].completed_at is not None
    audit_clean()
