"""Refunds as the platforms send them, end to end: a signed webhook, the queue, the accrual consumer, the
member's balance. Every refund is delivered twice (platforms retry) and applied once. The issue's case
first: Shopify refunds an order in full as an amount (no lines, one 65.00 transaction for a 50.00 line
with 10.00 shipping and 5.00 tax); before the fix it was refused as beyond what the order earned and the
shopper kept all 50 points."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from harness.api import Api
from local.template import Template
from loyalty.store import integrations as integrations_store
from tests.auditing import audit_clean
from tests.service.integrations_in import shops

# The order item is written by a transaction and updated under a condition by each refund: run on the
# real engine's rules as well.
pytestmark = pytest.mark.engine

MEMBER = "shop-1:207119551"  # Bob Norman, enrolled by the order


def deliver_twice(api: Api, template: Template, connection_id: str, body: bytes, headers: dict[str, str]) -> None:
    for _ in range(2):
        assert shops.post(api, connection_id, body, headers).body == {"status": "queued"}
    shops.consume(template, shops.queued())


def shopify_refund(api: Api, template: Template, document: dict[str, Any]) -> None:
    body = shops.body_of(document)
    deliver_twice(api, template, "shop-1", body, shops.shopify_headers(body, "refunds/create"))


def points(api: Api, member_id: str) -> int:
    available: int = api.get(f"/v1/members/{member_id}").body["points"]["available"]
    return available


def refunds_in(api: Api, member_id: str) -> list[int]:
    items = api.get(f"/v1/members/{member_id}/activity").body["items"]
    return [e["points"] for e in items if e["kind"] == "refund"]


def issue_order(api: Api, admin_api: Api, template: Template) -> None:
    shops.at(shops.SAMPLE_PLACED)
    shops.connect(admin_api, "shop-1", "shopify")
    order = shops.body_of(shops.sample("shopify/order-one-line-shipping-tax.json"))
    deliver_twice(api, template, "shop-1", order, shops.shopify_headers(order, "orders/paid"))
    assert points(api, MEMBER) == 50


def amount_refund(amount: str, refund_id: int) -> dict[str, Any]:
    document = shops.sample("shopify/refund-amount-full.json")
    document["refund"]["id"] = refund_id
    document["refund"]["transactions"][0]["amount"] = amount
    return document


def test_shopify_amount_refund_of_everything_paid_reverses_all_the_points(
    api: Api, admin_api: Api, template: Template
) -> None:
    issue_order(api, admin_api, template)
    shopify_refund(api, template, shops.sample("shopify/refund-amount-full.json"))
    assert points(api, MEMBER) == 0
    assert refunds_in(api, MEMBER) == [-50], "applied once though delivered twice"
    order = api.get("/v1/orders/shopify:450789470").body
    assert [(r["refund_id"], r["points_reversed"]) for r in order["refunds"]] == [("shopify:929361470", 50)]
    assert "paid" not in json.dumps(order), "what the platform says was paid stays internal"
    audit_clean()


def test_shopify_partial_amount_refund_reverses_the_goods_share(api: Api, admin_api: Api, template: Template) -> None:
    issue_order(api, admin_api, template)
    # 13.00 of the 65.00 paid: the goods' share is 13.00 x 50/65 = 10.00: 10 of the 50 points.
    shopify_refund(api, template, amount_refund("13.00", 929361471))
    assert points(api, MEMBER) == 40
    # The rest of the money (52.00): everything paid has come back, so all that is left goes.
    shopify_refund(api, template, amount_refund("52.00", 929361472))
    assert points(api, MEMBER) == 0 and sorted(refunds_in(api, MEMBER)) == [-40, -10]
    audit_clean()


def test_shopify_published_shipping_refund_reverses_nothing(api: Api, admin_api: Api, template: Template) -> None:
    shops.at(shops.SAMPLE_PLACED)
    shops.connect(admin_api, "shop-1", "shopify", category_by_sku={"IPOD2008RED": "electronics"})
    order = shops.body_of(shops.sample("shopify/order.json"))
    deliver_twice(api, template, "shop-1", order, shops.shopify_headers(order, "orders/paid"))
    assert points(api, MEMBER) == 796
    # Shopify's own example: 5.00 back, all of it a shipping_refund adjustment.
    shopify_refund(api, template, shops.sample("shopify/refund-shipping.json"))
    assert points(api, MEMBER) == 796 and refunds_in(api, MEMBER) == [0]
    audit_clean()


@pytest.mark.parametrize("status", ["cancelled", "refunded"])
def test_woocommerce_order_moved_to_cancelled_or_refunded_without_rows_reverses_everything(
    api: Api, admin_api: Api, template: Template, status: str
) -> None:
    shops.at(datetime(2017, 3, 22, 20, 0, tzinfo=UTC))
    shops.connect(admin_api, "woo-1", "woocommerce")
    order = shops.body_of(shops.sample("woocommerce/order-727-retrieve.json"))
    deliver_twice(api, template, "woo-1", order, shops.woo_headers(order, "order.created"))
    member_id = integrations_store.member_by_email("john.doe@example.com")
    assert member_id is not None and points(api, member_id) == 18
    moved = json.loads(order)
    moved["status"] = status  # WooCommerce's order.updated after the shop cancels or refunds it
    body = json.dumps(moved).encode()
    deliver_twice(api, template, "woo-1", body, shops.woo_headers(body, "order.updated"))
    assert points(api, member_id) == 0 and refunds_in(api, member_id) == [-18]
    audit_clean()


def test_the_api_refunds_keep_their_rules(api: Api, admin_api: Api, template: Template) -> None:
    """An order credited from a platform, refunded through the API: beyond what is left is still 409."""
    issue_order(api, admin_api, template)
    beyond = api.post("/v1/orders/shopify:450789470/refunds", {"refund_id": "r-1", "amount_minor": 5001})
    assert beyond.status == 409 and beyond.body["code"] == "refund_exceeds_order"
    unknown = api.post("/v1/orders/nope/refunds", {"refund_id": "r-2", "amount_minor": 1})
    assert unknown.status == 404
    assert points(api, MEMBER) == 50
