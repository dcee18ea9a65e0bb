"""300 orders for 30 members (EXACTLY_ONCE_ORDERS=1000 for a longer run), each delivered three times by a
shuffled mix of API calls and queue batches: every balance is exact and the ledger holds exactly one earn
entry per order."""

from __future__ import annotations

import os
import random
from collections import defaultdict
from typing import Any

import pytest

from harness.api import Api
from harness.programs import program_document
from local import runtime
from loyalty.services import activity
from tests import sqs
from tests.auditing import audit_clean

ORDERS = int(os.environ.get("EXACTLY_ONCE_ORDERS") or 300)
MEMBERS = max(ORDERS // 10, 1)  # ten orders a member on average: every member's balance is a sum of many
DELIVERIES = 3

# moto snapshots the whole table on every TransactWriteItems (its rollback), so 3,000 deliveries cost
# quadratic time there; the real engine is both faster and the one whose answer counts.
pytestmark = pytest.mark.parametrize("aws", ["dynamodb-local"], indirect=True)


def test_every_order_is_credited_exactly_once_whatever_the_path(admin_api: Api, api: Api, template: Any) -> None:
    # One tier, so the expected balance is the plain sum (tier upgrades are tested on their own).
    single_tier = program_document(tiers=[{"name": "Member", "threshold": 0, "multiplier": 1}], category_multipliers={})
    assert admin_api.put("/v1/admin/program", single_tier).status == 200
    rng = random.Random(20261122)
    for m in range(MEMBERS):
        assert api.post("/v1/members", {"member_id": f"m-{m}", "email": f"member{m}@example.com"}).status == 201
    expected: dict[str, int] = defaultdict(int)
    orders = []
    for n in range(ORDERS):
        member_id = f"m-{rng.randrange(MEMBERS)}"
        price = rng.randrange(0, 20_000)
        quantity = rng.randrange(1, 4)
        orders.append(
            {
                "order_id": f"o-{n}",
                "member_id": member_id,
                "currency": "USD",
                "placed_at": "2026-11-22T10:00:00Z",
                "lines": [{"sku": f"S{n % 7}", "category": "shoes", "quantity": quantity, "unit_price_minor": price}],
            }
        )
        expected[member_id] += price * quantity // 100  # 1 point per unit, Bronze, no multipliers
    deliveries = [order for order in orders for _ in range(DELIVERIES)]
    rng.shuffle(deliveries)
    statuses: dict[int, int] = defaultdict(int)
    pending_batch: list[dict[str, Any]] = []
    for order in deliveries:
        if rng.random() < 0.5:
            statuses[api.post("/v1/orders", order).status] += 1
        else:
            pending_batch.append(sqs.record({"type": "order.completed", "order": order}))
            if len(pending_batch) == 10:
                assert (
                    runtime.invoke(template, "AccrualConsumerFunction", sqs.batch(*pending_batch))["batchItemFailures"]
                    == []
                )
                pending_batch.clear()
    if pending_batch:
        assert runtime.invoke(template, "AccrualConsumerFunction", sqs.batch(*pending_batch))["batchItemFailures"] == []
    assert set(statuses) <= {200, 201}
    earn_entries = 0
    for m in range(MEMBERS):
        member = api.get(f"/v1/members/m-{m}").body
        assert member["points"]["available"] == expected[f"m-{m}"], f"m-{m}"
        cursor = None
        while True:
            page = activity.page(f"m-{m}", 100, cursor)
            earn_entries += sum(1 for entry in page.items if entry.kind == "earn")
            cursor = page.next_cursor
            if cursor is None:
                break
    assert earn_entries == ORDERS
    audit_clean()
