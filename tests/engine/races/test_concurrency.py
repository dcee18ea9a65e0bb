"""Races that only the real engine can referee: DynamoDB Local, many threads, one outcome."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from harness.programs import program_document
from loyalty.adapters import clock
from loyalty.domain.errors import EmailTaken, LoyaltyError
from loyalty.models.member import EnrollRequest
from loyalty.models.order import OrderRequest
from loyalty.models.program import Program
from loyalty.services import accrual, activity, members, program
from loyalty.services.member_writes import Recorded
from tests.auditing import audit_clean

# Only the real engine referees concurrent transactions as DynamoDB does; moto serialises everything.
pytestmark = pytest.mark.parametrize("aws", ["dynamodb-local"], indirect=True)


def race(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run ``work`` in ``count`` threads released together; each result or the exception raised."""
    gate = threading.Barrier(count)

    def attempt(index: int) -> Any:
        gate.wait()
        try:
            return work(index)
        except LoyaltyError as error:
            return error

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(attempt, range(count)))


@pytest.fixture
def configured(aws: str) -> None:
    program.save(Program.model_validate(program_document()))


def test_two_members_racing_for_one_email_one_wins(configured: None) -> None:
    outcomes = race(2, lambda i: members.enroll(EnrollRequest(member_id=f"m-{i}", email="same@example.com")))
    created = [o for o in outcomes if isinstance(o, tuple)]
    refused = [o for o in outcomes if isinstance(o, EmailTaken)]
    assert len(created) == 1 and created[0][1] is True
    assert len(refused) == 1
    audit_clean()


def test_the_same_order_posted_twenty_times_at_once_is_credited_once(configured: None) -> None:
    members.enroll(EnrollRequest(member_id="m-1", email="ada@example.com"))
    request = OrderRequest.model_validate(
        {
            "order_id": "o-1",
            "member_id": "m-1",
            "currency": "USD",
            "placed_at": clock.now().isoformat(),
            "lines": [{"sku": "A", "category": "shoes", "quantity": 1, "unit_price_minor": 12_300}],
        }
    )
    outcomes = race(20, lambda _: accrual.accrue(request))
    assert all(isinstance(o, Recorded) for o in outcomes), outcomes
    assert sum(o.created for o in outcomes) == 1
    assert {o.result.points for o in outcomes} == {123}
    assert members.get("m-1").points.available == 123
    entries = activity.page("m-1", 100, None).items
    assert [(e.kind, e.points) for e in entries] == [("earn", 123)]
    audit_clean()
