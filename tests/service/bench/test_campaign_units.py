"""What a campaign budget adds to an accrual, priced by AWS's rules (bench.aws_meter): the counter is one
more small item in the transaction, 2 write units, and nothing for orders of campaigns without a budget."""

from __future__ import annotations

from typing import Any

import boto3

from bench.aws_meter import AwsMeter, schema_of
from harness.programs import program_document
from local.template import Template
from loyalty.models.member import EnrollRequest
from loyalty.models.order import OrderRequest
from loyalty.models.program import Program
from loyalty.services import accrual, members, program

CAMPAIGN = {"campaign_id": "launch", "bonus_points": 100, "starts_at": "2026-11-01T00:00:00Z"}


def first_accrual_units(template: Template, **campaign: Any) -> tuple[float, list[str]]:
    program.save(Program.model_validate(program_document(campaigns=[{**CAMPAIGN, **campaign}])))
    member_id = f"m-{len(campaign)}"
    members.enroll(EnrollRequest(member_id=member_id, email=f"{member_id}@example.com"))
    request = OrderRequest.model_validate(
        {
            "order_id": f"o-{member_id}",
            "member_id": member_id,
            "currency": "USD",
            "placed_at": "2026-11-22T14:00:00Z",
            "lines": [{"sku": "A", "category": "shoes", "quantity": 1, "unit_price_minor": 1_000}],
        }
    )
    with AwsMeter(schema_of(template), boto3.client("dynamodb")) as meter:
        accrual.accrue(request)
    return meter.aws_write.total, meter.operations


def test_a_budget_counter_adds_two_write_units_and_no_round_trip(aws: str, template: Template) -> None:
    plain, plain_calls = first_accrual_units(template, ends_at="2026-12-31T00:00:00Z")
    budgeted, budgeted_calls = first_accrual_units(template, ends_at="2026-12-31T00:00:00Z", budget_points=1_000)
    assert plain_calls == budgeted_calls == ["Query", "TransactWriteItems"]
    assert budgeted - plain == 2
