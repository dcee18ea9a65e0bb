"""Guest checkout does not take an email (issue 19, item 7): a member a platform's checkout enrolled is
provisional, and the person who owns the email takes it over by enrolling.

Shopify's published order sample is itself such a checkout: its customer has ``"state": "disabled"``
(Shopify's state for a shopper without an account) and yet a customer id, so a match by customer id is
no proof of a login either (docs/members.md, "Provisional members")."""

from __future__ import annotations

import json
from typing import Any

from harness.api import Api
from local.template import Template
from tests.auditing import audit_clean
from tests.service.integrations_in import shops

PROVISIONAL = "shop-1:207119551"  # the member the checkout enrolled (the connection's customer id)
EMAIL = "bob.norman@hostmail.com"


def checkout(api: Api, admin_api: Api, template: Template, **connection: Any) -> bytes:
    shops.at(shops.SAMPLE_PLACED)
    shops.connect(admin_api, "shop-1", "shopify", category_by_sku={"IPOD2008RED": "electronics"}, **connection)
    order = shops.body_of(shops.sample("shopify/order.json"))
    shops.shopify(api, "shop-1", order, "orders/paid")
    shops.consume(template, shops.queued())
    return order


def another_order(order: bytes, order_id: int) -> bytes:
    again = json.loads(order)
    again["id"] = order_id
    return json.dumps(again).encode()


def test_the_owner_of_a_guest_checkouts_email_enrolls_and_takes_its_points_over(
    api: Api, admin_api: Api, template: Template
) -> None:
    order = checkout(api, admin_api, template)
    guest = api.get(f"/v1/members/{PROVISIONAL}").body
    assert guest["provisional"] is True and guest["points"]["available"] == 796

    enrolled = api.post("/v1/members", {"member_id": "bob", "email": EMAIL, "name": "Bob Norman"})
    assert enrolled.status == 201, enrolled.body
    bob = enrolled.body
    assert bob["member_id"] == "bob" and bob["provisional"] is False and bob["status"] == "active"
    assert bob["points"] == guest["points"], "available, pending, lifetime and qualifying points move"
    assert bob["expiring"] == guest["expiring"], "the points keep their expiry days"
    assert bob["tier"] == guest["tier"]

    merged = api.get(f"/v1/members/{PROVISIONAL}").body
    assert merged["status"] == "merged" and merged["merged_into"] == "bob"
    assert merged["email"] is None and merged["points"]["available"] == 0
    [into] = api.get("/v1/members/bob/activity").body["items"]
    assert (into["kind"], into["points"], into["balance_after"], into["merged_with"]) == (
        "merge",
        796,
        796,
        PROVISIONAL,
    )
    history = api.get(f"/v1/members/{PROVISIONAL}/activity").body["items"]
    assert [(e["kind"], e["points"]) for e in history] == [("merge", -796), ("earn", 796)]
    assert history[0]["merged_with"] == "bob"

    again = api.post("/v1/members", {"member_id": "bob", "email": EMAIL, "name": "Bob Norman"})
    assert again.status == 200 and again.body["points"] == bob["points"], "a retry is a replay"
    assert len(api.get("/v1/members/bob/activity").body["items"]) == 1, "merged once"

    # The shop goes on: a redelivery of the first order, its refund and a new order all land on Bob.
    shops.shopify(api, "shop-1", order, "orders/paid")
    refund = shops.body_of(shops.sample("shopify/refund.json"))
    shops.shopify(api, "shop-1", refund, "refunds/create")
    second = another_order(order, 450789470)
    shops.shopify(api, "shop-1", second, "orders/paid")
    shops.consume(template, shops.queued())
    assert api.get("/v1/members/bob").body["points"]["available"] == 796 - 398 + 796
    assert api.get(f"/v1/members/{PROVISIONAL}").body["points"]["available"] == 0
    audit_clean()


def test_a_merged_member_takes_no_writes_and_says_where_it_went(api: Api, admin_api: Api, template: Template) -> None:
    checkout(api, admin_api, template)
    assert api.post("/v1/members", {"member_id": "bob", "email": EMAIL}).status == 201
    order = {
        "order_id": "o-1",
        "member_id": PROVISIONAL,
        "currency": "USD",
        "placed_at": "2008-01-10T17:00:00Z",
        "lines": [{"sku": "A", "category": "books", "quantity": 1, "unit_price_minor": 1000}],
    }
    answer = api.post("/v1/orders", order)
    assert answer.status == 409 and answer.body["code"] == "member_exists"
    assert "bob" in answer.body["detail"]
    adjusted = admin_api.post(
        f"/v1/admin/members/{PROVISIONAL}/adjustments", {"adjustment_id": "a-1", "points": 10, "reason": "goodwill"}
    )
    assert adjusted.status == 409 and adjusted.body["code"] == "member_exists"
    patched = api.patch(f"/v1/members/{PROVISIONAL}", {"name": "Someone"})
    assert patched.status == 409 and patched.body["code"] == "member_exists"
    audit_clean()


def test_a_customer_linked_checkout_credits_the_member_that_took_it_over(
    api: Api, admin_api: Api, template: Template
) -> None:
    order = checkout(api, admin_api, template, match_members_by="customer_id")
    assert api.get(f"/v1/members/{PROVISIONAL}").body["provisional"] is True
    assert api.post("/v1/members", {"member_id": "bob", "email": EMAIL}).status == 201
    second = another_order(order, 450789470)
    shops.shopify(api, "shop-1", second, "orders/paid")
    shops.consume(template, shops.queued())
    assert api.get("/v1/members/bob").body["points"]["available"] == 796 * 2
    assert api.get("/v1/orders/shopify:450789470").body["member_id"] == "bob"
    audit_clean()


def test_a_member_enrolled_through_the_api_is_not_provisional_and_keeps_its_email(
    api: Api, admin_api: Api, template: Template
) -> None:
    assert api.post("/v1/members", {"member_id": "bob", "email": EMAIL}).body["provisional"] is False
    checkout(api, admin_api, template)  # the shop's order of that email credits Bob, enrolls nobody
    assert api.get("/v1/members/bob").body["points"]["available"] == 796
    assert api.get(f"/v1/members/{PROVISIONAL}").status == 404
    taken = api.post("/v1/members", {"member_id": "bob-2", "email": EMAIL})
    assert taken.status == 409 and taken.body["code"] == "email_taken"
    audit_clean()


def test_erasure_of_a_provisional_and_of_a_merged_member(api: Api, admin_api: Api, template: Template) -> None:
    checkout(api, admin_api, template)
    assert api.post("/v1/members", {"member_id": "bob", "email": EMAIL}).status == 201
    assert admin_api.delete(f"/v1/admin/members/{PROVISIONAL}").status == 204
    erased = api.get(f"/v1/members/{PROVISIONAL}").body
    assert erased["status"] == "erased" and erased["name"] is None
    assert api.get("/v1/members/bob").body["points"]["available"] == 796, "Bob's points are his"

    # A provisional member nobody took over is erased like any member: its points are forfeited.
    order = shops.body_of(shops.sample("shopify/order.json"))
    other = json.loads(order)
    other["id"], other["email"], other["customer"]["id"] = 1, "guest@example.com", 9
    other["customer"]["email"] = "guest@example.com"
    body = json.dumps(other).encode()
    shops.shopify(api, "shop-1", body, "orders/paid")
    shops.consume(template, shops.queued())
    assert api.get("/v1/members/shop-1:9").body["provisional"] is True
    assert admin_api.delete("/v1/admin/members/shop-1:9").status == 204
    assert api.get("/v1/members/shop-1:9").body["status"] == "erased"
    audit_clean()
