"""The accrual queue consumer: partial batch failures, the same rules as the API."""

from __future__ import annotations

from typing import Any

from harness.api import Api
from harness.orders import order_document
from local import runtime
from tests import sqs


def completed(order_id: str, member_id: str = "m-1", price: int = 1_000) -> dict[str, Any]:
    return {
        "type": "order.completed",
        "order": order_document(order_id, member_id, price),
    }


def test_only_the_bad_records_of_a_batch_fail(api: Api, template: Any) -> None:
    assert api.post("/v1/members", {"member_id": "m-1", "email": "ada@example.com"}).status == 201
    good = [sqs.record(completed(f"o-{n}"), f"good-{n}") for n in range(7)]
    malformed = [sqs.record("{not json", "bad-json"), sqs.record({"type": "order.shipped", "order": {}}, "bad-type")]
    unknown = [sqs.record(completed("o-x", member_id="ghost"), "ghost")]
    records = [good[0], malformed[0], *good[1:4], unknown[0], *good[4:6], malformed[1], good[6]]
    result = runtime.invoke(template, "AccrualConsumerFunction", sqs.batch(*records))
    assert sorted(f["itemIdentifier"] for f in result["batchItemFailures"]) == ["bad-json", "bad-type", "ghost"]
    assert api.get("/v1/members/m-1").body["points"]["available"] == 70


def test_a_refund_message_uses_the_same_rules_as_the_api(api: Api, template: Any) -> None:
    assert api.post("/v1/members", {"member_id": "m-1", "email": "ada@example.com"}).status == 201
    refund = {"type": "order.refunded", "order_id": "o-1", "refund": {"refund_id": "r-1", "amount_minor": 500}}
    result = runtime.invoke(
        template, "AccrualConsumerFunction", sqs.batch(sqs.record(completed("o-1")), sqs.record(refund))
    )
    assert result["batchItemFailures"] == []
    # Delivered again, by the API this time: the first result, nothing changes.
    again = api.post("/v1/orders/o-1/refunds", refund["refund"])
    assert again.status == 200 and again.body["points_reversed"] == 5
    assert again.body["member"]["points"]["available"] == 5
