"""The Shopify App Proxy through the emulated API Gateway: Shopify's published order makes the customer a
member (linked to its customer id by that order), and requests signed as Shopify signs them read that
member's /v1/me views and redeem for it; anything not signed so is refused."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest

from harness.api import Api
from local.apigw import Request
from local.template import Template
from loyalty.adapters import clock
from tests.service.handlers.test_auth import assert_problem
from tests.service.integrations_in import shops as inbound

PROXY_SECRET = "shpss_app-client-secret-0123456789"
CUSTOMER = "207119551"  # Bob Norman, the customer of Shopify's sample order
MEMBER = "shop-1:207119551"  # enrolled from that order (auto_enroll)
WHEN = datetime(2008, 1, 10, 18, 0, tzinfo=UTC)


def signed(secret: str, customer: str | None = CUSTOMER, timestamp: int | None = None, **extra: str) -> str:
    """The query string Shopify forwards, signed as Shopify documents it (loyalty.domain.app_proxy)."""
    params = {
        "shop": "example.myshopify.com",
        "logged_in_customer_id": customer or "",
        "path_prefix": "/apps/loyalty",
        "timestamp": str(timestamp if timestamp is not None else int(clock.now().timestamp())),
        **extra,
    }
    message = "".join(sorted(f"{key}={value}" for key, value in params.items()))
    signature = hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()
    return urlencode({**params, "signature": signature})


@pytest.fixture
def shop(api: Api, admin_api: Api, template: Template) -> Api:
    """A Shopify connection with its App Proxy secret, and Shopify's sample order paid through it."""
    inbound.at(WHEN)
    answer = inbound.connect(
        admin_api, "shop-1", "shopify", proxy_secret=PROXY_SECRET, category_by_sku={"IPOD2008RED": "x"}
    )
    assert answer.status == 201 and "proxy_secret" not in answer.body
    order = inbound.body_of(inbound.sample("shopify/order.json"))
    assert inbound.post(api, "shop-1", order, inbound.shopify_headers(order, "orders/paid")).status == 200
    inbound.consume(template, inbound.queued())
    inbound.at(WHEN + timedelta(hours=1))
    return Api(api.gateway.template)  # no key: Shopify calls the proxy with none


def test_the_logged_in_customers_member_reads_its_views(shop: Api) -> None:
    me = shop.get("/v1/integrations/shop-1/proxy/me", query=signed(PROXY_SECRET))
    assert me.status == 200 and me.body["member_id"] == MEMBER
    assert me.body["points"]["available"] == 597 and me.body["card_code"]
    balance = shop.get("/v1/integrations/shop-1/proxy/balance", query=signed(PROXY_SECRET)).body
    assert sum(lot["remaining"] for lot in balance["lots"]) == balance["available"] == 597
    activity = shop.get("/v1/integrations/shop-1/proxy/activity", query=signed(PROXY_SECRET, limit="1")).body
    assert [entry["order_id"] for entry in activity["items"]] == ["shopify:450789469"]
    for path in ("rewards", "redemptions", "ways-to-earn"):
        assert shop.get(f"/v1/integrations/shop-1/proxy/{path}", query=signed(PROXY_SECRET)).status == 200, path
    assert shop.get("/v1/integrations/shop-1/proxy/orders", query=signed(PROXY_SECRET)).status == 422


def test_anything_not_signed_by_shopify_for_a_logged_in_customer_is_401(shop: Api) -> None:
    good = signed(PROXY_SECRET)
    refused = {
        "no signature": good.split("&signature=")[0],
        "another secret": signed("not-the-app-secret"),
        "the webhook secret, when the app's is set": signed("shpss_0123456789abcdef0123456789abcdef"),
        "a changed customer": good.replace(CUSTOMER, "207119552"),
        "an added parameter": good + "&evil=1",
        "nobody logged in": signed(PROXY_SECRET, customer=None),
        "signed ten minutes ago": signed(PROXY_SECRET, timestamp=int(clock.now().timestamp()) - 600),
    }
    for why, query in refused.items():
        answer = shop.get("/v1/integrations/shop-1/proxy/me", query=query)
        assert (answer.status, answer.body["code"]) == (401, "unauthorized"), why
    assert_problem(shop.get("/v1/integrations/nobody/proxy/me", query=good), 401, "unauthorized")


def test_a_customer_no_order_linked_to_a_member_is_404(shop: Api) -> None:
    answer = shop.get("/v1/integrations/shop-1/proxy/me", query=signed(PROXY_SECRET, customer="999"))
    assert_problem(answer, 404, "member_not_found")


def test_a_redemption_through_the_proxy_takes_json_only_and_is_idempotent(shop: Api, admin_api: Api) -> None:
    admin_api.put("/v1/admin/rewards/coffee", {"name": "Coffee", "kind": "voucher", "cost_points": 100})
    path = "/v1/integrations/shop-1/proxy/redemptions"
    body = b'{"redemption_id": "x-1", "reward_id": "coffee"}'
    # A form, or text a fetch sends without a CORS preflight, or no type at all: what a page on another
    # site could make the shopper's browser post to the shop's /apps/ path.
    for content_type in (None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"):
        headers = [("Content-Type", content_type)] if content_type else []
        request = Request("POST", path, signed(PROXY_SECRET), headers, body)
        answer = shop.gateway.handle(request, "localhost")
        assert answer.status == 415 and json.loads(answer.body)["code"] == "validation_error", content_type
    assert_problem(shop.post(path, {"redemption_id": "x-1", "reward_id": "coffee"}, query="x=1"), 401, "unauthorized")
    first = shop.post(path, {"redemption_id": "x-1", "reward_id": "coffee"}, query=signed(PROXY_SECRET))
    assert first.status == 201 and first.body["member_id"] == MEMBER and first.body["points_spent"] == 100
    again = shop.post(path, {"redemption_id": "x-1", "reward_id": "coffee"}, query=signed(PROXY_SECRET))
    assert again.status == 200 and again.body["code"] == first.body["code"]
    entry = shop.get("/v1/integrations/shop-1/proxy/activity", query=signed(PROXY_SECRET, limit="1")).body["items"][0]
    assert entry["kind"] == "redeem" and entry["key_id"] == "proxy:shop-1"


def test_without_a_proxy_secret_the_webhook_secret_signs_and_an_email_match_links_the_customer(
    api: Api, admin_api: Api, template: Template
) -> None:
    inbound.at(WHEN)
    assert api.post("/v1/members", {"member_id": "bob", "email": "bob.norman@hostmail.com"}).status == 201
    assert inbound.connect(admin_api, "shop-2", "shopify", auto_enroll=False).status == 201
    order = inbound.body_of(inbound.sample("shopify/order.json"))
    assert inbound.post(api, "shop-2", order, inbound.shopify_headers(order, "orders/paid")).status == 200
    inbound.consume(template, inbound.queued())
    answer = Api(api.gateway.template).get(
        "/v1/integrations/shop-2/proxy/me", query=signed("shpss_0123456789abcdef0123456789abcdef")
    )
    assert answer.status == 200 and answer.body["member_id"] == "bob"


def test_a_woocommerce_connection_has_no_app_proxy(api: Api, admin_api: Api) -> None:
    inbound.connect(admin_api, "woo-1", "woocommerce")
    answer = Api(api.gateway.template).get(
        "/v1/integrations/woo-1/proxy/me", query=signed("shpss_0123456789abcdef0123456789abcdef")
    )
    assert_problem(answer, 401, "unauthorized")
