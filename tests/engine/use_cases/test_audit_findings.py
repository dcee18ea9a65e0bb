"""What the audit found in flows the other suites accept."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

import audit
from harness.books import settle_books
from harness.programs import program_document
from loyalty.adapters import clock
from loyalty.domain.errors import InsufficientPoints
from loyalty.models.member import EnrollRequest
from loyalty.models.order import OrderRequest
from loyalty.models.program import Program
from loyalty.models.reward import RedemptionRequest, RewardPut
from loyalty.services import accrual, members, program, redemptions, rewards
from loyalty.services.jobs import catalog, runner

# The engine decides these outcomes (transactions, conditions, index queries): moto and DynamoDB Local.
pytestmark = pytest.mark.engine

NEW_YORK = ZoneInfo("America/New_York")


def at(local: str) -> datetime:
    return datetime.fromisoformat(local).replace(tzinfo=NEW_YORK)


def test_a_redemption_between_a_lots_end_and_its_expiry_run_leaves_a_ledger_that_adds_up(aws: str) -> None:
    clock.set_clock(lambda: at("2026-11-22 10:00"))
    program.save(Program.model_validate(program_document()))  # points expire after 12 months
    members.enroll(EnrollRequest(member_id="m-1", email="ada@example.com"))
    line = {"sku": "SEED", "category": "shoes", "quantity": 1, "unit_price_minor": 50_000}
    order = {"order_id": "o-1", "member_id": "m-1", "currency": "USD", "placed_at": at("2026-11-22 10:00").isoformat()}
    accrual.accrue(OrderRequest.model_validate({**order, "lines": [line]}))  # the lot of 2027-11-22
    clock.set_clock(lambda: at("2027-11-23 00:01"))  # the lot's day is over; the expiry run is due at 00:05
    rewards.put("coffee", RewardPut.model_validate({"name": "Coffee", "kind": "voucher", "cost_points": 100}))
    # The ended lot is not spendable: the redemption is refused and nothing is written.
    with pytest.raises(InsufficientPoints):
        redemptions.redeem("m-1", RedemptionRequest(redemption_id="x-1", reward_id="coffee"))
    catalog.run_day("expire", at("2027-11-23 00:05"), runner.Budget(1000))
    assert members.get("m-1").points.available == 0
    settle_books()  # the accounts, kept from the stream, take in what was written
    report = audit.run()
    assert report.clean, report.render()
