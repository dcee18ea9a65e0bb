"""Bodies as large as platforms send (issue 19, deliverable 3): up to 3 MB accepted and answered within a
second, the body kept in the stack's bucket and a pointer queued; more than 3 MB refused with 413.

The large orders are Shopify's published order (tests/fixtures/shopify/order.json) with its engraved
line item repeated, each copy with its own engraving (extended by hand: tests/fixtures/SOURCES.md).
"""

from __future__ import annotations

import copy
import json
import os
from typing import Any

import boto3

from harness.api import Api
from harness.counting import WRITES, DynamoCalls
from local.template import Template
from tests.service.integrations_in import shops

MEMBER = "shop-1:207119551"  # Bob Norman, enrolled by the shop's order (auto_enroll)
MiB = 1024 * 1024


def many_lines(lines: int, size: int) -> bytes:
    """The sample order with ``lines`` copies of its engraved line, padded (by each engraving's gift
    note) to about ``size`` bytes, as Shopify sends an order of personalised items."""
    order: dict[str, Any] = copy.deepcopy(shops.sample("shopify/order.json")["order"])
    engraved = next(line for line in order["line_items"] if line["properties"])

    def build(note: str) -> bytes:
        order["line_items"] = [
            {
                **copy.deepcopy(engraved),
                "id": engraved["id"] + index,
                "properties": [
                    {"name": "Custom Engraving", "value": f"Happy Birthday, guest {index:03d}"},
                    {"name": "Gift note", "value": note},
                ],
            }
            for index in range(lines)
        ]
        return shops.body_of({"order": order})

    return build("x" * max(0, (size - len(build(""))) // lines))


def bucket_keys() -> list[str]:
    answer = boto3.client("s3").list_objects_v2(Bucket=os.environ["INBOUND_BUCKET"], Prefix="inbound/")
    return [item["Key"] for item in answer.get("Contents", [])]


def test_a_206_kb_order_of_250_engraved_lines_is_credited_in_full(api: Api, admin_api: Api, template: Template) -> None:
    shops.at(shops.SAMPLE_PLACED)
    shops.connect(admin_api, "shop-1", "shopify")
    order = many_lines(250, 206_000)
    assert 200_000 < len(order) < 215_000 and len(json.loads(order)["line_items"]) == 250
    answer = shops.shopify(api, "shop-1", order, "orders/paid")
    assert answer.status == 200 and answer.body == {"status": "queued"}
    messages = shops.queued()
    assert len(json.dumps(messages)) < 1024, "the queue carries a pointer, not the body"
    shops.consume(template, messages)
    # 250 iPods at 199.00, 1 point per dollar.
    assert api.get(f"/v1/members/{MEMBER}").body["points"]["available"] == 250 * 199
    assert bucket_keys() == [], "a processed body is deleted"


def test_a_2_9_mb_order_is_answered_before_any_of_its_work_and_credited(
    api: Api, admin_api: Api, template: Template
) -> None:
    warm = shops.sample_shop(admin_api)
    shops.shopify(api, "shop-1", warm, "orders/paid")  # the function's first call loads its code
    shops.queued()
    order = many_lines(250, 2_900_000)
    again = json.loads(order)
    again["id"] = 450789470
    order = json.dumps(again).encode()
    assert 2_850_000 < len(order) < 3 * MiB
    # The answer waits only for the body's upload and a pointer on the queue (Shopify gives up after 5 s):
    # nothing of the order is written before it. Its speed is the bench's to show, not a timed test's.
    with DynamoCalls() as calls:
        answer = shops.shopify(api, "shop-1", order, "orders/paid")
    assert answer.status == 200 and answer.body == {"status": "queued"}
    assert not WRITES & set(calls.operations), calls.operations
    assert bucket_keys() != [], "the body waits in the bucket"
    [message] = shops.queued()
    shops.consume(template, [message])
    assert api.get(f"/v1/orders/shopify:{again['id']}").body["points"] == 250 * 199


def test_a_body_over_3_mb_is_413_and_nothing_is_kept(api: Api, admin_api: Api) -> None:
    shops.connect(admin_api, "shop-1", "shopify")
    order = many_lines(250, 3 * MiB + 10_000)
    assert len(order) > 3 * MiB
    answer = shops.shopify(api, "shop-1", order, "orders/paid")
    assert answer.status == 413
    assert answer.content_type == "application/problem+json" and answer.body["code"] == "payload_too_large"
    assert shops.queued() == [] and bucket_keys() == []
    # Exactly 3 MiB is still taken.
    exact = order[: 3 * MiB]
    assert shops.shopify(api, "shop-1", exact, "orders/paid").status == 200


def test_a_delivery_of_the_pointer_after_its_body_was_processed_changes_nothing(
    api: Api, admin_api: Api, template: Template
) -> None:
    order = shops.sample_shop(admin_api)
    shops.shopify(api, "shop-1", order, "orders/paid")
    [message] = shops.queued()
    shops.consume(template, [message])
    shops.consume(template, [message])  # SQS delivers at least once: the same pointer again
    assert api.get(f"/v1/members/{MEMBER}").body["points"]["available"] == 597
