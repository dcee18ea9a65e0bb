"""Inbound Shopify and WooCommerce webhooks, end to end: the platforms' own published samples, signed
with the connection's secret, posted to the public route, queued, and consumed by the accrual consumer."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from typing import Any

import boto3

from harness.api import Api
from local.template import Template
from loyalty.store import integrations as integrations_store
from tests.service.integrations_in import shops

# --- the route: signatures before anything else ------------------------------------------------------


def test_a_bad_or_missing_signature_is_401_and_nothing_is_queued(api: Api, admin_api: Api) -> None:
    assert shops.connect(admin_api, "shop-1", "shopify").status == 201
    body = shops.body_of(shops.sample("shopify/order.json"))
    forged = shops.shopify_headers(body, "orders/paid", secret="not-the-secret-at-all")
    for headers in (forged, {k: v for k, v in forged.items() if k != "X-Shopify-Hmac-Sha256"}):
        answer = shops.post(api, "shop-1", body, headers)
        assert answer.status == 401
        assert answer.content_type == "application/problem+json"
        assert answer.body["code"] == "unauthorized"
    tampered = body.replace(b"199.00", b"999.00")
    assert shops.post(api, "shop-1", tampered, shops.shopify_headers(body, "orders/paid")).status == 401
    assert shops.shopify(api, "nobody", body, "orders/paid").status == 401
    assert shops.queued() == []


def test_the_route_needs_no_api_key_and_queues_verified_webhooks(api: Api, admin_api: Api) -> None:
    shops.connect(admin_api, "shop-1", "shopify")
    body = shops.body_of(shops.sample("shopify/order.json"))
    answer = shops.shopify(api, "shop-1", body, "orders/paid")
    assert answer.status == 200 and answer.body == {"status": "queued"}
    [message] = shops.queued()
    assert message["type"] == "integration.webhook" and message["topic"] == "orders/paid"
    assert "payload" not in message, "the queue carries a pointer, never the shopper's data"
    kept = boto3.client("s3").get_object(Bucket=os.environ["INBOUND_BUCKET"], Key=message["body_key"])
    assert kept["Body"].read() == body, "the raw body is kept untouched"


def test_topics_not_used_are_answered_200_and_ignored(api: Api, admin_api: Api) -> None:
    shops.connect(admin_api, "shop-1", "shopify")
    body = b'{"id": 1}'
    answer = shops.shopify(api, "shop-1", body, "products/update")
    assert answer.status == 200 and answer.body == {"status": "ignored"}
    assert shops.queued() == []


def test_the_woocommerce_ping_is_answered_200(api: Api, admin_api: Api) -> None:
    shops.connect(admin_api, "woo-1", "woocommerce")
    headers = {"Content-Type": "application/x-www-form-urlencoded", "User-Agent": "WooCommerce/8.6 Hookshot"}
    answer = shops.post(api, "woo-1", b"webhook_id=17", headers)
    assert answer.status == 200 and answer.body == {"status": "ping"}
    assert shops.post(api, "woo-1", b"webhook_id=17&x=1", headers).status == 401, "anything else must be signed"
    assert shops.queued() == []


def test_the_connection_secret_is_never_shown_nor_stored_in_clear(admin_api: Api, ddb: Any) -> None:
    from tests.conftest import table_items

    first = shops.connect(admin_api, "shop-1", "shopify", category_by_sku={"IPOD2008RED": "electronics"})
    assert first.status == 201 and first.headers.get("location") == "/v1/admin/integrations/shop-1"
    assert "secret" not in first.body and first.body["webhook_path"] == "/v1/integrations/shop-1/webhooks"
    again = shops.connect(admin_api, "shop-1", "shopify")
    assert again.status == 200 and "secret" not in again.body
    assert shops.SECRET not in json.dumps([item for item in table_items(ddb)], default=str)
    storefront = admin_api.post("/v1/admin/keys", {"scope": "storefront", "label": "x"}).body["key"]
    assert shops.connect(Api(admin_api.gateway.template, storefront), "shop-2", "shopify").status == 403


# --- the platforms' samples credit and reverse the right points ---------------------------------------


def test_shopify_sample_order_credits_once_and_its_sample_refund_reverses_two_lines(
    api: Api, admin_api: Api, template: Template
) -> None:
    shops.at(shops.SAMPLE_PLACED)
    shops.connect(admin_api, "shop-1", "shopify", category_by_sku={"IPOD2008RED": "electronics"})
    order = shops.body_of(shops.sample("shopify/order.json"))
    for _ in range(2):  # Shopify retries: delivered twice, credited once
        assert shops.shopify(api, "shop-1", order, "orders/paid").body == {"status": "queued"}
    shops.consume(template, shops.queued())
    # Bob Norman enrolled by email: 199 + 199 x 2 (electronics) + 199 at 1 point per dollar.
    member_id = "shop-1:207119551"
    member = api.get(f"/v1/members/{member_id}").body
    assert member["points"]["available"] == 796 and member["email"] == "bob.norman@hostmail.com"
    stored = api.get(f"/v1/members/{member_id}/activity").body["items"]
    assert [(e["kind"], e["order_id"], e["points"]) for e in stored] == [("earn", "shopify:450789469", 796)]
    refund = shops.body_of(shops.sample("shopify/refund.json"))
    shops.shopify(api, "shop-1", refund, "refunds/create")
    shops.shopify(api, "shop-1", refund, "refunds/create")
    shops.consume(template, shops.queued())
    # The black and the green iPods came back (199 points each); the red one (398) stays.
    assert api.get(f"/v1/members/{member_id}").body["points"]["available"] == 398


def test_woocommerce_sample_order_of_a_guest_credits_by_email(api: Api, admin_api: Api, template: Template) -> None:
    shops.at(datetime(2017, 3, 22, 20, 0, tzinfo=UTC))
    shops.connect(admin_api, "woo-1", "woocommerce")
    order = shops.body_of(shops.sample("woocommerce/order-727-retrieve.json"))
    for topic in ("order.created", "order.updated"):  # both arrive; the order id credits once
        shops.woo(api, "woo-1", order, topic)
    shops.consume(template, shops.queued())
    member_id = integrations_store.member_by_email("john.doe@example.com")
    assert member_id is not None and member_id.startswith("guest:"), "a guest has no customer id to name it by"
    member = api.get(f"/v1/members/{member_id}").body
    assert member["points"]["available"] == 18  # 2 x 3.00 + 12.00, shipping and tax earn nothing


def test_woocommerce_sample_completed_order_with_two_refunds(api: Api, admin_api: Api, template: Template) -> None:
    shops.at(datetime(2017, 3, 23, 12, 0, tzinfo=UTC))
    shops.connect(admin_api, "woo-1", "woocommerce", match_members_by="customer_id")
    order = shops.body_of(shops.sample("woocommerce/order-723-list.json"))
    shops.woo(api, "woo-1", order, "order.updated")
    shops.woo(api, "woo-1", order, "order.updated")
    shops.consume(template, shops.queued())
    member_id = "woo-1:26"
    # 9.00 + 20.00 earned 29 points. The refunds of 9.00 (724, first) and 10.00 of the 39.00 paid (10.00 of
    # it shipping) take back the goods' share: 29 x 9/39 = 6.7 -> 6, then 29 x 19/39 = 14.1 -> 14 in all.
    activity = api.get(f"/v1/members/{member_id}/activity").body["items"]
    assert sorted((e["kind"], e["points"]) for e in activity) == [("earn", 29), ("refund", -8), ("refund", -6)]
    assert api.get(f"/v1/members/{member_id}").body["points"]["available"] == 15


def test_an_order_of_an_unknown_shopper_without_auto_enroll_credits_nobody(
    api: Api, admin_api: Api, template: Template
) -> None:
    shops.at(shops.SAMPLE_PLACED)
    shops.connect(admin_api, "shop-1", "shopify", auto_enroll=False)
    order = shops.body_of(shops.sample("shopify/order.json"))
    shops.shopify(api, "shop-1", order, "orders/paid")
    shops.consume(template, shops.queued())
    assert api.get("/v1/members/shop-1:207119551").status == 404


def test_a_shop_credits_an_erased_shopper_nothing_and_the_queue_stays_clean(
    api: Api, admin_api: Api, template: Template, ddb: Any
) -> None:
    from tests.auditing import audit_clean
    from tests.conftest import table_items

    shops.at(shops.SAMPLE_PLACED)
    shops.connect(admin_api, "shop-1", "shopify", category_by_sku={"IPOD2008RED": "electronics"})
    order = shops.body_of(shops.sample("shopify/order.json"))
    shops.shopify(api, "shop-1", order, "orders/paid")
    shops.consume(template, shops.queued())
    member_id = "shop-1:207119551"
    assert api.get(f"/v1/members/{member_id}").body["points"]["available"] == 796
    assert admin_api.delete(f"/v1/admin/members/{member_id}").status == 204

    # The shop goes on sending: the refund of the old order, and a new order of the same shopper.
    refund = shops.body_of(shops.sample("shopify/refund.json"))
    shops.shopify(api, "shop-1", refund, "refunds/create")
    again = json.loads(order)
    again["id"] = 450789470
    second = json.dumps(again).encode()
    shops.shopify(api, "shop-1", second, "orders/paid")
    shops.consume(template, shops.queued())  # no batch item failure: nothing left to retry, nothing in the DLQ
    assert api.get("/v1/orders/shopify:450789470").body["code"] == "order_not_found"
    member = api.get(f"/v1/members/{member_id}").body
    assert member["status"] == "erased" and member["points"]["available"] == 0
    traces = ("bob.norman@hostmail.com", "Bob Norman")
    assert not [item for item in table_items(ddb) if any(t in json.dumps(item, default=str) for t in traces)]
    audit_clean()
