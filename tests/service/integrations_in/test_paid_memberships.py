"""Paid memberships, tier perks and early access end to end: bought by an order line through the API,
the accrual queue and the platforms' webhooks (their published samples with one line's sku adapted),
ended by refunds; shown on the member, /v1/me and the reward lists; early access enforced."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from harness.api import Api, member_token
from harness.orders import line, order_document
from harness.programs import FREE_SHIPPING, GOLD_DISCOUNT, engaged_document
from local import runtime
from local.template import Template
from loyalty.adapters import clock
from loyalty.store import integrations as integrations_store
from tests import sqs
from tests.conftest import TEST_NOW
from tests.service.handlers.test_auth import assert_problem
from tests.service.integrations_in import shops

SHOWN = {**FREE_SHIPPING, "value": None}  # the API shows an optional field as null
# Bought at TEST_NOW (30 November 2026, New York): until the start of 30 December there.
UNTIL = "2026-12-30T05:00:00.000Z"


def with_memberships(admin_api: Api) -> None:
    assert admin_api.put("/v1/admin/program", engaged_document()).status == 200


def enroll(api: Api, member_id: str) -> None:
    assert api.post("/v1/members", {"member_id": member_id, "email": f"{member_id}@example.com"}).status == 201


def plus_order(order_id: str, member_id: str, quantity: int = 1) -> dict[str, Any]:
    placed = (TEST_NOW - timedelta(minutes=5)).isoformat()
    return order_document(
        order_id, member_id, placed_at=placed, lines=[line(1_000, "PLUS-1M", "memberships", quantity)]
    )


def test_an_order_line_buys_the_membership_its_tier_and_perks_show_on_the_member_and_me(
    api: Api, admin_api: Api
) -> None:
    with_memberships(admin_api)
    enroll(api, "ada")
    bought = api.post("/v1/orders", plus_order("o-1", "ada"))
    assert bought.status == 201 and bought.body["points"] == 10  # the line earns like any other
    member = api.get("/v1/members/ada").body
    assert member["memberships"] == [{"membership_id": "plus", "until": UNTIL}]
    assert member["tier"] == {"name": "Gold", "multiplier": 1.5, "perks": [GOLD_DISCOUNT, SHOWN]}
    me = Api(api.gateway.template, member_token(api, "ada")).get("/v1/me").body
    assert me["tier"]["perks"] == [GOLD_DISCOUNT, SHOWN] and me["memberships"] == member["memberships"]
    # Renewed with two more: two months from the current end (30 February is the 28th).
    assert api.post("/v1/orders", plus_order("o-2", "ada", quantity=2)).status == 201
    assert api.get("/v1/members/ada").body["memberships"] == [
        {"membership_id": "plus", "until": "2027-02-28T05:00:00.000Z"}
    ]
    # The renewal refunded by line: back to the first month's end.
    back = {"refund_id": "r-2", "lines": [{"sku": "PLUS-1M", "quantity": 2}]}
    assert api.post("/v1/orders/o-2/refunds", back).status == 201
    assert api.get("/v1/members/ada").body["memberships"] == [{"membership_id": "plus", "until": UNTIL}]


def test_early_access_refuses_a_lower_tier_before_available_from_and_serves_it_after(api: Api, admin_api: Api) -> None:
    with_memberships(admin_api)
    opens = TEST_NOW + timedelta(days=2)
    reward = {
        "name": "Preview",
        "kind": "voucher",
        "cost_points": 5,
        "available_from": opens.isoformat(),
        "early_access": [{"tier": "Gold", "from": (TEST_NOW - timedelta(days=1)).isoformat()}],
    }
    assert admin_api.put("/v1/admin/rewards/preview", reward).status == 201
    listed = api.get("/v1/rewards").body["items"]
    assert [(r["reward_id"], r["available_from"], r["early_access"]) for r in listed] == [
        ("preview", "2026-12-02T12:00:00.000Z", [{"tier": "Gold", "from": "2026-11-29T12:00:00.000Z"}])
    ]
    for member_id in ("ada", "bob"):
        enroll(api, member_id)
    assert api.post("/v1/orders", plus_order("o-1", "ada")).status == 201  # Gold by its membership
    assert api.post("/v1/orders", order_document("o-2", "bob", 1_000, placed_at=TEST_NOW.isoformat())).status == 201
    bobs = Api(api.gateway.template, member_token(api, "bob")).get("/v1/me/rewards").body["items"]
    assert [(r["affordable"], r["redeemable_from"]) for r in bobs] == [(False, "2026-12-02T12:00:00.000Z")]
    adas = Api(api.gateway.template, member_token(api, "ada")).get("/v1/me/rewards").body["items"]
    assert [(r["affordable"], r["redeemable_from"]) for r in adas] == [(True, "2026-11-29T12:00:00.000Z")]
    redeem = {"redemption_id": "rd-bob", "reward_id": "preview"}
    assert_problem(api.post("/v1/members/bob/redemptions", redeem), 409, "reward_unavailable")
    assert api.post("/v1/members/ada/redemptions", {"redemption_id": "rd-ada", "reward_id": "preview"}).status == 201
    clock.set_clock(lambda: opens + timedelta(minutes=1))
    assert api.post("/v1/members/bob/redemptions", redeem).status == 201


def test_the_queue_buys_it_and_an_amount_refund_of_the_whole_order_ends_it(
    api: Api, admin_api: Api, template: Template
) -> None:
    with_memberships(admin_api)
    enroll(api, "ada")
    refund = {"refund_id": "r-1", "amount_minor": 1_000}
    messages = [
        {"type": "order.completed", "order": plus_order("o-1", "ada")},
        {"type": "order.refunded", "order_id": "o-1", "refund": refund},
    ]
    runtime.invoke(template, "AccrualConsumerFunction", sqs.batch(sqs.record(messages[0])))
    assert api.get("/v1/members/ada").body["memberships"] == [{"membership_id": "plus", "until": UNTIL}]
    runtime.invoke(template, "AccrualConsumerFunction", sqs.batch(sqs.record(messages[1])))
    member = api.get("/v1/members/ada").body
    assert member["memberships"] == [] and member["tier"]["name"] == "Bronze"


def adapted(document: dict[str, Any], old_sku: str) -> bytes:
    """A platform's published order with one line's sku made the membership's."""
    text = shops.body_of(document).decode().replace(f'"{old_sku}"', '"PLUS-1M"')
    return text.encode()


def test_a_shopify_order_line_buys_it_and_shopify_s_refund_of_that_line_ends_it(
    api: Api, admin_api: Api, template: Template
) -> None:
    shops.at(shops.SAMPLE_PLACED)
    with_memberships(admin_api)
    shops.connect(admin_api, "shop-1", "shopify")
    shops.shopify(api, "shop-1", adapted(shops.sample("shopify/order.json"), "IPOD2008BLACK"), "orders/paid")
    shops.consume(template, shops.queued())
    member_id = "shop-1:207119551"
    member = api.get(f"/v1/members/{member_id}").body
    # Placed 10 January 2008 (New York): a month, until the start of 10 February there.
    assert member["memberships"] == [{"membership_id": "plus", "until": "2008-02-10T05:00:00.000Z"}]
    assert member["points"]["available"] == 597  # the membership's line earned its 199 points too
    refund = adapted(shops.sample("shopify/refund.json"), "IPOD2008BLACK")  # it and the green iPod came back
    shops.shopify(api, "shop-1", refund, "refunds/create")
    shops.consume(template, shops.queued())
    member = api.get(f"/v1/members/{member_id}").body
    assert member["memberships"] == [] and member["tier"]["name"] == "Bronze"


def test_a_woocommerce_order_line_buys_it(api: Api, admin_api: Api, template: Template) -> None:
    shops.at(datetime(2017, 3, 22, 20, 0, tzinfo=UTC))
    with_memberships(admin_api)
    shops.connect(admin_api, "woo-1", "woocommerce")
    document = shops.sample("woocommerce/order-727-retrieve.json")
    assert [item["sku"] for item in document["line_items"]] == ["", "Bar3"]
    shops.woo(api, "woo-1", adapted(document, "Bar3"), "order.created")
    shops.consume(template, shops.queued())
    member_id = integrations_store.member_by_email("john.doe@example.com")
    member = api.get(f"/v1/members/{member_id}").body
    # Placed 22 March 2017 (New York, summer time): until the start of 22 April there.
    assert member["memberships"] == [{"membership_id": "plus", "until": "2017-04-22T04:00:00.000Z"}]
    assert member["tier"]["perks"] == [GOLD_DISCOUNT, SHOWN]
