"""What active challenges add to an accrual, priced by AWS's rules (bench.aws_meter): the progress rides on
the member item the accrual writes anyway (no item, no round trip more), so they cost only the bytes they
add to it (and to the order item, which keeps what it counted); a completion adds its ``bonus`` entry to
the same transaction (one small item: 2 write units, and 1 for its activity index entry).
A program without challenges, and a member with none, pay nothing: accrual stays at one Query (1 read unit)
and one TransactWriteItems (the history bench's <= 7 write units).

Measured (printed with -s): the bench's order for a member of a program with no challenge, and for a member
with progress in 10 active challenges (the largest each kind keeps: nine buckets, 20 categories, 53
weeks) — docs/performance.md, "Challenges", quotes the figures.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

from bench import aws_units
from bench.aws_meter import AwsMeter, schema_of
from harness.programs import program_document
from local.template import Template
from loyalty.adapters import clock
from loyalty.models.member import EnrollRequest
from loyalty.models.order import OrderRequest
from loyalty.models.program import Program
from loyalty.services import accrual, members, program
from loyalty.store.client import dynamodb, table_name

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
KINDS = ("orders", "spend_minor", "categories", "weekly_streak")
GOALS = {"orders": 1000, "spend_minor": 10**12, "categories": 20, "weekly_streak": 52}


def challenges(count: int) -> list[dict[str, Any]]:
    return [
        {
            "challenge_id": f"challenge-{n:02d}",
            "label": f"Challenge {n}",
            "kind": KINDS[n % 4],
            "goal": GOALS[KINDS[n % 4]],
            "window_days": 366,
            "reward_points": 500,
            "badge": f"badge-{n:02d}",
        }
        for n in range(count)
    ]


def place(member_id: str, order_id: str, at: datetime, category: str = "electronics") -> None:
    clock.set_clock(lambda: NOW)
    body = {"order_id": order_id, "member_id": member_id, "currency": "USD", "placed_at": at.isoformat()}
    lines = [
        {"sku": "SKU-HEADPHONES", "category": category, "quantity": 1, "unit_price_minor": 19999},
        {"sku": "SKU-SOCKS", "category": "apparel", "quantity": 3, "unit_price_minor": 1299},
    ]
    accrual.accrue(OrderRequest.model_validate({**body, "lines": lines, "discount_minor": 1000}))


def member_bytes(member_id: str) -> int:
    key = {"PK": {"S": f"MEMBER#{member_id}"}, "SK": {"S": "PROFILE"}}
    return aws_units.item_size(dynamodb().get_item(TableName=table_name(), Key=key, ConsistentRead=True)["Item"])


def measured(template: Template, member_id: str) -> dict[str, Any]:
    program.current()  # warm, as a warm Lambda's cache is
    with AwsMeter(schema_of(template), boto3.client("dynamodb")) as meter:
        place(member_id, f"{member_id}-measured", NOW - timedelta(minutes=30))
    accounting = sum(item.units.total for bill in meter.calls for item in bill.items if item.key.startswith("ACCT#"))
    return {
        "calls": meter.operations,
        "wcu": meter.aws_write.total - accounting,
        "rcu": meter.aws_read,
        "member_bytes": member_bytes(member_id),
        "order_bytes": sum(i.after_bytes for b in meter.calls for i in b.items if i.key.startswith("ORDER#")),
    }


def history(member_id: str) -> None:
    """A year of orders, one every other day (each of a new category): every challenge holds all it keeps."""
    clock.set_clock(lambda: NOW)
    members.enroll(EnrollRequest(member_id=member_id, email=f"{member_id}@example.com", name="Grace Hopper"))
    for day in range(364, 0, -2):
        place(member_id, f"{member_id}-{day}", NOW - timedelta(days=day), category=f"category-{day}")


def test_ten_active_challenges_add_bytes_to_the_member_and_no_call_or_read(aws: str, template: Template) -> None:
    clock.set_clock(lambda: NOW)
    program.save(Program.model_validate(program_document(max_order_age_days=365)))
    history("plain")
    plain = measured(template, "plain")
    program.save(Program.model_validate(program_document(max_order_age_days=365, challenges=challenges(10))))
    history("engaged")
    engaged = measured(template, "engaged")
    print(f"\nno challenge: {plain}\n10 active challenges: {engaged}")
    assert plain["calls"] == engaged["calls"] == ["Query", "TransactWriteItems"]
    assert plain["wcu"] <= 7 and plain["rcu"] <= 1
    assert engaged["rcu"] <= 1
    assert engaged["member_bytes"] < 2 * aws_units.KB
    # Priced by size, 2 units a KB in a transaction: the member item passes 1 KB (+2), and the order item,
    # which keeps what it counted for each challenge (for its refunds, ~20 bytes each), passes 1 KB too
    # for the bench's order (+2, and +1 for its activity index entry).
    assert engaged["wcu"] - plain["wcu"] <= 5, (plain, engaged)
    assert engaged["order_bytes"] - plain["order_bytes"] <= 10 * 25, (plain, engaged)


def test_a_completion_adds_its_bonus_entry_to_the_same_transaction(aws: str, template: Template) -> None:
    clock.set_clock(lambda: NOW)
    once = {**challenges(1)[0], "kind": "orders", "goal": 2}
    program.save(Program.model_validate(program_document(max_order_age_days=365, challenges=[once])))
    members.enroll(EnrollRequest(member_id="m-1", email="m-1@example.com"))
    place("m-1", "first", NOW - timedelta(hours=2))
    counting = measured(template, "m-1")  # the second order completes it
    members.enroll(EnrollRequest(member_id="m-2", email="m-2@example.com"))
    program.save(Program.model_validate(program_document(max_order_age_days=365)))
    place("m-2", "first-2", NOW - timedelta(hours=2))
    plain = measured(template, "m-2")
    print(f"\ncompleting order: {counting}\nplain order: {plain}")
    assert counting["calls"] == ["Query", "TransactWriteItems"]
    assert counting["wcu"] - plain["wcu"] == 3  # the bonus entry: 2 (a small item, transactional) + its activity index
