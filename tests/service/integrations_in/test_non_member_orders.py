"""Orders of customers who are not members, for the experiments report: the storefront's
``POST /v1/guest-orders`` and the platforms' orders of shoppers who are no member (and not enrolled),
with the platforms' published samples. Only a keyed hash of the customer is kept."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from harness.api import Api
from harness.books import settle_books
from local.template import Template
from loyalty.services import guest_orders
from loyalty.store import impact
from loyalty.store.client import table_name
from tests.service.integrations_in import shops

GUEST = {
    "order_id": "g-1",
    "customer_ref": "ann@example.com",
    "currency": "USD",
    "placed_at": "2008-01-10T12:00:00Z",
    "total_minor": 4599,
}


def table_text(ddb: Any) -> str:
    return str(ddb.scan(TableName=table_name())["Items"])


def test_a_guest_order_is_recorded_once_and_a_changed_body_is_refused(api: Api, ddb: Any) -> None:
    shops.at(shops.SAMPLE_PLACED)
    first = api.post("/v1/guest-orders", GUEST)
    assert first.status == 201 and first.body["order_id"] == "g-1" and first.body["total_minor"] == 4599
    again = api.post("/v1/guest-orders", GUEST)
    assert again.status == 200 and again.body == first.body
    changed = api.post("/v1/guest-orders", {**GUEST, "total_minor": 1})
    assert changed.status == 409 and changed.body["code"] == "idempotency_conflict"
    assert changed.headers["content-type"].startswith("application/problem+json")
    stored = impact.guest_order("g-1")
    assert stored is not None and stored["total"] == 4599
    assert "ann" not in table_text(ddb)  # no email (nor name) anywhere in the table
    settle_books()
    assert impact.aggregates()["G/2008-01/n"]["o"] == 1  # once, though posted three times


def test_bad_guest_orders_are_refused_and_write_nothing(api: Api, ddb: Any) -> None:
    shops.at(shops.SAMPLE_PLACED)
    for body in (
        {**GUEST, "currency": "EUR"},  # not the program's
        {**GUEST, "total_minor": -1},
        {**GUEST, "placed_at": "2030-01-01T00:00:00Z"},  # in the future
        {k: v for k, v in GUEST.items() if k != "customer_ref"},
        {**GUEST, "email": "ann@example.com"},  # an unknown field
    ):
        answer = api.post("/v1/guest-orders", body)
        assert answer.status == 422, (body, answer.body)
        assert answer.headers["content-type"].startswith("application/problem+json")
    assert impact.guest_order("g-1") is None
    assert api.post("/v1/guest-orders", GUEST, key="").status == 401


def test_a_shopify_order_of_a_shopper_who_is_no_member_is_recorded_as_a_non_members(
    api: Api, admin_api: Api, template: Template, ddb: Any
) -> None:
    shops.at(shops.SAMPLE_PLACED)
    shops.connect(admin_api, "shop-1", "shopify", auto_enroll=False)
    order = shops.body_of(shops.sample("shopify/order.json"))
    for _ in range(2):  # Shopify retries
        shops.shopify(api, "shop-1", order, "orders/paid")
    shops.consume(template, shops.queued())
    assert api.get("/v1/members/shop-1:207119551").status == 404
    stored = impact.guest_order("shopify:450789469")
    assert stored is not None
    # The goods as Shopify priced them, as a member's order counts them: three iPods at 199.00.
    assert stored["total"] == 3 * 19900 and stored["currency"] == "USD"
    assert stored["h"] == guest_orders.customer_hash("bob.norman@hostmail.com")  # as a storefront's email
    assert "bob" not in table_text(ddb).lower() and "norman" not in table_text(ddb).lower()


def test_a_shopify_order_of_a_member_is_not_a_non_members(api: Api, admin_api: Api, template: Template) -> None:
    shops.at(shops.SAMPLE_PLACED)
    shops.connect(admin_api, "shop-1", "shopify")  # auto_enroll: the shopper becomes a member
    shops.shopify(api, "shop-1", shops.body_of(shops.sample("shopify/order.json")), "orders/paid")
    shops.consume(template, shops.queued())
    assert impact.guest_order("shopify:450789469") is None


def test_a_woocommerce_guest_checkout_of_no_member_is_recorded_by_email(
    api: Api, admin_api: Api, template: Template
) -> None:
    shops.at(datetime(2017, 3, 22, 20, 0, tzinfo=UTC))
    shops.connect(admin_api, "woo-1", "woocommerce", auto_enroll=False)
    order = shops.body_of(shops.sample("woocommerce/order-727-retrieve.json"))
    shops.woo(api, "woo-1", order, "order.created")
    shops.consume(template, shops.queued())
    stored = impact.guest_order("woocommerce:727")
    assert stored is not None
    assert stored["h"] == guest_orders.customer_hash("john.doe@example.com")
    assert stored["total"] == 1800  # 2 x 3.00 + 12.00: the goods, without shipping and tax
