"""What a campaign budget adds to an accrual, priced by AWS's rules (bench.aws_meter): the order writes one
share of the budget (one small item more in the transaction, 2 write units, no round trip); only an order
that finds its share short pays a round trip more (the cancelled transaction is billed too) and writes
two shares; orders of campaigns without a budget pay nothing."""

from __future__ import annotations

from typing import Any

import boto3

from bench.aws_meter import AwsMeter, schema_of
from harness.programs import program_document
from local.template import Template
from loyalty.domain.budget_shares import preference
from loyalty.models.member import EnrollRequest
from loyalty.models.order import OrderRequest
from loyalty.models.program import Program
from loyalty.services import accrual, members, program

CAMPAIGN = {"campaign_id": "launch", "bonus_points": 100, "starts_at": "2026-11-01T00:00:00Z"}


def order(order_id: str) -> OrderRequest:
    """A first order of its own member, who is enrolled for it."""
    member_id = f"m-{order_id}"
    members.enroll(EnrollRequest(member_id=member_id, email=f"{member_id}@example.com"))
    return OrderRequest.model_validate(
        {
            "order_id": order_id,
            "member_id": member_id,
            "currency": "USD",
            "placed_at": "2026-11-22T14:00:00Z",
            "lines": [{"sku": "A", "category": "shoes", "quantity": 1, "unit_price_minor": 1_000}],
        }
    )


def first_accrual_units(template: Template, name: str, **campaign: Any) -> tuple[float, list[str]]:
    """The write units and the calls of a member's first order under the campaign."""
    program.save(Program.model_validate(program_document(campaigns=[{**CAMPAIGN, **campaign}])))
    request = order(f"o-{name}")
    with AwsMeter(schema_of(template), boto3.client("dynamodb")) as meter:
        accrual.accrue(request)
    return meter.aws_write.total, meter.operations


def test_a_budget_share_adds_two_write_units_and_no_round_trip(aws: str, template: Template) -> None:
    plain, plain_calls = first_accrual_units(template, "plain", ends_at="2026-12-31T00:00:00Z")
    budgeted, budgeted_calls = first_accrual_units(
        template, "budgeted", ends_at="2026-12-31T00:00:00Z", budget_points=6_400
    )
    assert plain_calls == budgeted_calls == ["Query", "TransactWriteItems"]
    assert budgeted - plain == 2  # one share of 16, whichever the order id picks


def test_an_order_whose_share_is_short_pays_one_round_trip_and_one_share_more(aws: str, template: Template) -> None:
    # 850 points in two shares of 425: four orders of the share "o-last" picks leave 25 in it.
    first_accrual_units(template, "first", ends_at="2026-12-31T00:00:00Z", budget_points=850)
    home = preference("o-last", 2)[0]
    same_share = [f"o-{i}" for i in range(100) if preference(f"o-{i}", 2)[0] == home]
    for order_id in same_share[: 4 - (preference("o-first", 2)[0] == home)]:
        accrual.accrue(order(order_id))
    last = order("o-last")
    with AwsMeter(schema_of(template), boto3.client("dynamodb")) as meter:
        accrued = accrual.accrue(last)
    assert [(b.points, b.limited) for b in accrued.result.bonuses] == [(100, False)]  # 25 there, 75 from the other
    query, cancelled, written = meter.calls  # the member is not read again: only a share stood in the way
    assert (query.operation, cancelled.failed, written.operation, written.failed) == (
        "Query",
        True,
        "TransactWriteItems",
        False,
    )
    shares = [item for item in written.items if item.key.startswith("CAMPAIGN#launch")]
    assert len(shares) == 2 and all(item.units.total == 2 for item in shares)
    others = [item.key for item in written.items if item not in shares]
    assert others == [item.key for item in cancelled.items if not item.key.startswith("CAMPAIGN#")]
