"""Inbound Shopify and WooCommerce webhooks, end to end: the platforms' own published samples, signed
with the connection's secret, posted to the public route, queued, and consumed by the accrual consumer."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3

from harness.api import Api
from local import runtime
from local.template import Template
from loyalty.adapters import clock
from loyalty.store import integrations as integrations_store
from tests import sqs

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
SECRET = "shpss_0123456789abcdef0123456789abcdef"


def sample(path: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((FIXTURES / path).read_text())
    return document


def body_of(document: dict[str, Any]) -> bytes:
    """A webhook's body is the resource itself (the REST fixtures wrap it in {"order": ...})."""
    inner = document.get("order") or document.get("refund") or document
    return json.dumps(inner).encode()


def sign(body: bytes, secret: str = SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def connect(admin: Api, connection_id: str, platform: str, **overrides: Any) -> Any:
    body = {"platform": platform, "secret": SECRET, "match_members_by": "email", "auto_enroll": True, **overrides}
    return admin.put(f"/v1/admin/integrations/{connection_id}", body)


def post(api: Api, connection_id: str, body: bytes, headers: dict[str, str]) -> Any:
    return api.post(f"/v1/integrations/{connection_id}/webhooks", raw=body, headers=headers, key="")


def shopify_headers(body: bytes, topic: str, secret: str = SECRET) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": sign(body, secret),
        "X-Shopify-Shop-Domain": "example.myshopify.com",
        "X-Shopify-Webhook-Id": "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
    }


def woo_headers(body: bytes, topic: str) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "X-WC-Webhook-Topic": topic,
        "X-WC-Webhook-Signature": sign(body),
        "X-WC-Webhook-Source": "https://example.com/",
        "X-WC-Webhook-Delivery-ID": "42",
    }


def queued() -> list[dict[str, Any]]:
    client = boto3.client("sqs")
    found = []
    while True:
        messages = client.receive_message(
            QueueUrl=os.environ["ACCRUAL_QUEUE_URL"], MaxNumberOfMessages=10, WaitTimeSeconds=0
        ).get("Messages", [])
        if not messages:
            return found
        for message in messages:
            found.append(json.loads(message["Body"]))
            client.delete_message(QueueUrl=os.environ["ACCRUAL_QUEUE_URL"], ReceiptHandle=message["ReceiptHandle"])


def consume(template: Template, messages: list[dict[str, Any]]) -> None:
    result = runtime.invoke(template, "AccrualConsumerFunction", sqs.batch(*[sqs.record(m) for m in messages]))
    assert result == {"batchItemFailures": []}, result


def at(moment: datetime) -> None:
    clock.set_clock(lambda: moment)


# --- the route: signatures before anything else ------------------------------------------------------


def test_a_bad_or_missing_signature_is_401_and_nothing_is_queued(api: Api, admin_api: Api) -> None:
    assert connect(admin_api, "shop-1", "shopify").status == 201
    body = body_of(sample("shopify/order.json"))
    forged = shopify_headers(body, "orders/paid", secret="not-the-secret-at-all")
    for headers in (forged, {k: v for k, v in forged.items() if k != "X-Shopify-Hmac-Sha256"}):
        answer = post(api, "shop-1", body, headers)
        assert answer.status == 401
        assert answer.content_type == "application/problem+json"
        assert answer.body["code"] == "unauthorized"
    tampered = body.replace(b"199.00", b"999.00")
    assert post(api, "shop-1", tampered, shopify_headers(body, "orders/paid")).status == 401
    assert post(api, "nobody", body, shopify_headers(body, "orders/paid")).status == 401
    assert queued() == []


def test_the_route_needs_no_api_key_and_queues_verified_webhooks(api: Api, admin_api: Api) -> None:
    connect(admin_api, "shop-1", "shopify")
    body = body_of(sample("shopify/order.json"))
    answer = post(api, "shop-1", body, shopify_headers(body, "orders/paid"))
    assert answer.status == 200 and answer.body == {"status": "queued"}
    [message] = queued()
    assert message["type"] == "integration.webhook" and message["topic"] == "orders/paid"
    assert "payload" not in message, "the queue carries a pointer, never the shopper's data"
    kept = boto3.client("s3").get_object(Bucket=os.environ["INBOUND_BUCKET"], Key=message["body_key"])
    assert kept["Body"].read() == body, "the raw body is kept untouched"


def test_topics_not_used_are_answered_200_and_ignored(api: Api, admin_api: Api) -> None:
    connect(admin_api, "shop-1", "shopify")
    body = b'{"id": 1}'
    answer = post(api, "shop-1", body, shopify_headers(body, "products/update"))
    assert answer.status == 200 and answer.body == {"status": "ignored"}
    assert queued() == []


def test_the_woocommerce_ping_is_answered_200(api: Api, admin_api: Api) -> None:
    connect(admin_api, "woo-1", "woocommerce")
    headers = {"Content-Type": "application/x-www-form-urlencoded", "User-Agent": "WooCommerce/8.6 Hookshot"}
    answer = post(api, "woo-1", b"webhook_id=17", headers)
    assert answer.status == 200 and answer.body == {"status": "ping"}
    assert post(api, "woo-1", b"webhook_id=17&x=1", headers).status == 401, "anything else must be signed"
    assert queued() == []


def test_the_connection_secret_is_never_shown_nor_stored_in_clear(admin_api: Api, ddb: Any) -> None:
    from tests.conftest import table_items

    first = connect(admin_api, "shop-1", "shopify", category_by_sku={"IPOD2008RED": "electronics"})
    assert first.status == 201 and first.headers.get("location") == "/v1/admin/integrations/shop-1"
    assert "secret" not in first.body and first.body["webhook_path"] == "/v1/integrations/shop-1/webhooks"
    again = connect(admin_api, "shop-1", "shopify")
    assert again.status == 200 and "secret" not in again.body
    assert SECRET not in json.dumps([item for item in table_items(ddb)], default=str)
    storefront = admin_api.post("/v1/admin/keys", {"scope": "storefront", "label": "x"}).body["key"]
    assert connect(Api(admin_api.gateway.template, storefront), "shop-2", "shopify").status == 403


# --- the platforms' samples credit and reverse the right points ---------------------------------------


def test_shopify_sample_order_credits_once_and_its_sample_refund_reverses_two_lines(
    api: Api, admin_api: Api, template: Template
) -> None:
    at(datetime(2008, 1, 10, 18, 0, tzinfo=UTC))
    connect(admin_api, "shop-1", "shopify", category_by_sku={"IPOD2008RED": "electronics"})
    order = body_of(sample("shopify/order.json"))
    for _ in range(2):  # Shopify retries: delivered twice, credited once
        assert post(api, "shop-1", order, shopify_headers(order, "orders/paid")).body == {"status": "queued"}
    consume(template, queued())
    # Bob Norman enrolled by email: 199 + 199 x 2 (electronics) + 199 at 1 point per dollar.
    member_id = "shop-1:207119551"
    member = api.get(f"/v1/members/{member_id}").body
    assert member["points"]["available"] == 796 and member["email"] == "bob.norman@hostmail.com"
    stored = api.get(f"/v1/members/{member_id}/activity").body["items"]
    assert [(e["kind"], e["order_id"], e["points"]) for e in stored] == [("earn", "shopify:450789469", 796)]
    refund = body_of(sample("shopify/refund.json"))
    post(api, "shop-1", refund, shopify_headers(refund, "refunds/create"))
    post(api, "shop-1", refund, shopify_headers(refund, "refunds/create"))
    consume(template, queued())
    # The black and the green iPods came back (199 points each); the red one (398) stays.
    assert api.get(f"/v1/members/{member_id}").body["points"]["available"] == 398


def test_woocommerce_sample_order_of_a_guest_credits_by_email(api: Api, admin_api: Api, template: Template) -> None:
    at(datetime(2017, 3, 22, 20, 0, tzinfo=UTC))
    connect(admin_api, "woo-1", "woocommerce")
    order = body_of(sample("woocommerce/order-727-retrieve.json"))
    for topic in ("order.created", "order.updated"):  # both arrive; the order id credits once
        post(api, "woo-1", order, woo_headers(order, topic))
    consume(template, queued())
    member_id = integrations_store.member_by_email("john.doe@example.com")
    assert member_id is not None and member_id.startswith("guest:"), "a guest has no customer id to name it by"
    member = api.get(f"/v1/members/{member_id}").body
    assert member["points"]["available"] == 18  # 2 x 3.00 + 12.00, shipping and tax earn nothing


def test_woocommerce_sample_completed_order_with_two_refunds(api: Api, admin_api: Api, template: Template) -> None:
    at(datetime(2017, 3, 23, 12, 0, tzinfo=UTC))
    connect(admin_api, "woo-1", "woocommerce", match_members_by="customer_id")
    order = body_of(sample("woocommerce/order-723-list.json"))
    post(api, "woo-1", order, woo_headers(order, "order.updated"))
    post(api, "woo-1", order, woo_headers(order, "order.updated"))
    consume(template, queued())
    member_id = "woo-1:26"
    # 9.00 + 20.00 earned 29 points. The refunds of 9.00 (724, first) and 10.00 of the 39.00 paid (10.00 of
    # it shipping) take back the goods' share: 29 x 9/39 = 6.7 -> 6, then 29 x 19/39 = 14.1 -> 14 in all.
    activity = api.get(f"/v1/members/{member_id}/activity").body["items"]
    assert sorted((e["kind"], e["points"]) for e in activity) == [("earn", 29), ("refund", -8), ("refund", -6)]
    assert api.get(f"/v1/members/{member_id}").body["points"]["available"] == 15


def test_an_order_of_an_unknown_shopper_without_auto_enroll_credits_nobody(
    api: Api, admin_api: Api, template: Template
) -> None:
    at(datetime(2008, 1, 10, 18, 0, tzinfo=UTC))
    connect(admin_api, "shop-1", "shopify", auto_enroll=False)
    order = body_of(sample("shopify/order.json"))
    post(api, "shop-1", order, shopify_headers(order, "orders/paid"))
    consume(template, queued())
    assert api.get("/v1/members/shop-1:207119551").status == 404


def test_a_shop_credits_an_erased_shopper_nothing_and_the_queue_stays_clean(
    api: Api, admin_api: Api, template: Template, ddb: Any
) -> None:
    from tests.auditing import audit_clean
    from tests.conftest import table_items

    at(datetime(2008, 1, 10, 18, 0, tzinfo=UTC))
    connect(admin_api, "shop-1", "shopify", category_by_sku={"IPOD2008RED": "electronics"})
    order = body_of(sample("shopify/order.json"))
    post(api, "shop-1", order, shopify_headers(order, "orders/paid"))
    consume(template, queued())
    member_id = "shop-1:207119551"
    assert api.get(f"/v1/members/{member_id}").body["points"]["available"] == 796
    assert admin_api.delete(f"/v1/admin/members/{member_id}").status == 204

    # The shop goes on sending: the refund of the old order, and a new order of the same shopper.
    refund = body_of(sample("shopify/refund.json"))
    post(api, "shop-1", refund, shopify_headers(refund, "refunds/create"))
    again = json.loads(order)
    again["id"] = 450789470
    second = json.dumps(again).encode()
    post(api, "shop-1", second, shopify_headers(second, "orders/paid"))
    consume(template, queued())  # no batch item failure: nothing left to retry, nothing in the DLQ
    assert api.get("/v1/orders/shopify:450789470").body["code"] == "order_not_found"
    member = api.get(f"/v1/members/{member_id}").body
    assert member["status"] == "erased" and member["points"]["available"] == 0
    traces = ("bob.norman@hostmail.com", "Bob Norman")
    assert not [item for item in table_items(ddb) if any(t in json.dumps(item, default=str) for t in traces)]
    audit_clean()
