"""Trust at the edges (API.md v1.1): ids bound to their member, plausible order times, exact money within
JavaScript's integers, stock and consent that stay true, the key behind every write, and the reads a
storefront and an admin need."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from harness.api import Api
from harness.orders import order_document
from harness.programs import program_document
from loyalty.adapters import clock
from loyalty.services import unsubscribe
from tests.conftest import table_items

NOW = datetime(2026, 11, 22, 15, 30, tzinfo=UTC)
MAX_SAFE = 2**53 - 1


def order(order_id: str, member_id: str, price: int = 10_000, **extra: Any) -> dict[str, Any]:
    return order_document(order_id, member_id, price, **extra)


@pytest.fixture
def shop(admin_api: Api, api: Api) -> Api:
    """Two members, Ada (with an order of 100.00) and Bob, under a fixed clock; the storefront's client."""
    clock.set_clock(lambda: NOW)
    assert admin_api.put("/v1/admin/program", program_document(max_order_age_days=30)).status == 200
    assert api.post("/v1/members", {"member_id": "ada", "email": "ada@example.com", "name": "Ada"}).status == 201
    assert api.post("/v1/members", {"member_id": "bob", "email": "bob@example.com"}).status == 201
    assert api.post("/v1/orders", order("o-1", "ada")).status == 201
    return api


def assert_conflict(answer: Any) -> None:
    assert answer.status == 409, answer.body
    assert answer.body["code"] == "idempotency_conflict"
    text = str(answer.body)
    assert "ada" not in text and "Ada" not in text, "nothing of the first member is shown"


def points(api: Api, member_id: str) -> dict[str, int]:
    body: dict[str, int] = api.get(f"/v1/members/{member_id}").body["points"]
    return body


# 1. Client ids bound to their member


def test_an_order_id_sent_for_another_member_is_a_conflict_that_shows_nothing_of_the_first(shop: Api, ddb: Any) -> None:
    before = table_items(ddb)
    assert_conflict(shop.post("/v1/orders", order("o-1", "bob")))
    assert table_items(ddb) == before
    assert points(shop, "bob")["available"] == 0
    assert shop.post("/v1/orders", order("o-1", "ada")).status == 200, "the first member's retry still replays"


def test_redemption_and_adjustment_ids_are_bound_to_their_member(admin_api: Api, shop: Api, ddb: Any) -> None:
    admin_api.put("/v1/admin/rewards/coffee", {"name": "Coffee", "kind": "voucher", "cost_points": 10})
    assert shop.post("/v1/members/ada/redemptions", {"redemption_id": "x-1", "reward_id": "coffee"}).status == 201
    assert (
        admin_api.post(
            "/v1/admin/members/ada/adjustments", {"adjustment_id": "a-1", "points": 5, "reason": "goodwill"}
        ).status
        == 201
    )
    admin_api.post("/v1/orders", order("o-bob", "bob"))
    before = table_items(ddb)
    assert_conflict(shop.post("/v1/members/bob/redemptions", {"redemption_id": "x-1", "reward_id": "coffee"}))
    assert_conflict(
        admin_api.post("/v1/admin/members/bob/adjustments", {"adjustment_id": "a-1", "points": 5, "reason": "goodwill"})
    )
    assert table_items(ddb) == before


def test_a_refund_id_used_on_another_order_is_a_conflict(shop: Api, ddb: Any) -> None:
    assert shop.post("/v1/orders", order("o-2", "bob")).status == 201
    assert shop.post("/v1/orders/o-1/refunds", {"refund_id": "r-1", "amount_minor": 1000}).status == 201
    before = table_items(ddb)
    assert_conflict(shop.post("/v1/orders/o-2/refunds", {"refund_id": "r-1", "amount_minor": 1000}))
    assert table_items(ddb) == before
    assert shop.post("/v1/orders/o-1/refunds", {"refund_id": "r-1", "amount_minor": 1000}).status == 200


def test_ids_run_to_128_characters_and_no_further(shop: Api) -> None:
    stripe_like = "cs_test_" + "a1B2c3D4" * 15  # 128 characters
    assert len(stripe_like) == 128
    assert shop.post("/v1/members", {"member_id": stripe_like, "email": "long@example.com"}).status == 201
    assert shop.get(f"/v1/members/{stripe_like}").status == 200
    assert shop.post("/v1/orders", order(stripe_like, stripe_like)).status == 201
    refused = shop.post("/v1/orders", order(stripe_like + "x", stripe_like))
    assert refused.status == 422 and any("order_id" in e["loc"] for e in refused.body["errors"])
    assert shop.get(f"/v1/members/{stripe_like}x").status == 422


# 2. Plausible order times


@pytest.mark.parametrize(
    ("placed_at", "accepted"),
    [
        ("2026-11-22T15:34:59Z", True),  # a storefront clock a few minutes fast
        ("2026-11-22T15:36:00Z", False),  # more than 5 minutes ahead
        ("2999-01-01T00:00:00Z", False),
        ("2026-10-23T16:00:00Z", True),  # 29 days and some hours ago
        ("2026-10-22T15:00:00Z", False),  # beyond max_order_age_days (30)
    ],
)
def test_orders_are_taken_only_from_the_last_max_order_age_days_and_not_from_the_future(
    shop: Api, ddb: Any, placed_at: str, accepted: bool
) -> None:
    before = table_items(ddb)
    answer = shop.post("/v1/orders", order("o-t", "bob", placed_at=placed_at))
    if accepted:
        assert answer.status == 201, answer.body
    else:
        assert answer.status == 422 and answer.body["errors"][0]["loc"] == ["body", "placed_at"]
        assert table_items(ddb) == before


def test_max_order_age_days_is_at_most_365(admin_api: Api) -> None:
    assert admin_api.put("/v1/admin/program", program_document(max_order_age_days=366)).status == 422
    assert admin_api.put("/v1/admin/program", program_document(max_order_age_days=365)).status == 200
    fresh = program_document()
    del fresh["max_order_age_days"]
    assert admin_api.put("/v1/admin/program", fresh).body["max_order_age_days"] == 30


# 3. Exact money


def test_an_order_discount_is_spread_in_exact_fractions(shop: Api) -> None:
    lines = [{"sku": s, "category": "shoes", "quantity": 1, "unit_price_minor": 1000} for s in "ABC"]
    earned = shop.post("/v1/orders", {**order("o-3", "bob"), "lines": lines, "discount_minor": 2000})
    assert earned.body["points"] == 10  # 30.00 - 20.00; a per-line floor gave 9


def test_line_discounts_belong_to_their_line(shop: Api) -> None:
    lines = [
        {"sku": "TV", "category": "electronics", "quantity": 1, "unit_price_minor": 10_000, "discount_minor": 5_000},
        {"sku": "SOCK", "category": "shoes", "quantity": 1, "unit_price_minor": 10_000},
    ]
    earned = shop.post("/v1/orders", {**order("o-4", "bob"), "lines": lines})
    assert earned.body["points"] == 2 * 50 + 100  # electronics earn x2 on what was paid for them
    too_much = [{**lines[0], "discount_minor": 10_001}]
    assert shop.post("/v1/orders", {**order("o-5", "bob"), "lines": too_much}).status == 422


def test_a_product_multiplier_of_zero_earns_nothing(admin_api: Api, shop: Api) -> None:
    assert admin_api.put(
        "/v1/admin/program", program_document(sku_multipliers={"GIFTCARD": 0}, category_multipliers={"deposit": 0})
    ).body["sku_multipliers"] == {"GIFTCARD": 0}
    lines = [
        {"sku": "GIFTCARD", "category": "shoes", "quantity": 1, "unit_price_minor": 5_000},
        {"sku": "BOTTLE", "category": "deposit", "quantity": 1, "unit_price_minor": 5_000},
        {"sku": "A", "category": "shoes", "quantity": 1, "unit_price_minor": 1_000},
    ]
    assert shop.post("/v1/orders", {**order("o-6", "bob"), "lines": lines}).body["points"] == 10
    assert (
        admin_api.put(
            "/v1/admin/program", program_document(tiers=[{"name": "Bronze", "threshold": 0, "multiplier": 0}])
        ).status
        == 422
    ), "a tier multiplier stays above 0"


def test_no_order_earns_beyond_max_points_per_order_or_javascripts_integers(
    admin_api: Api, shop: Api, ddb: Any
) -> None:
    huge = order("o-huge", "bob", price=10**17)
    before = table_items(ddb)
    refused = shop.post("/v1/orders", huge)
    assert refused.status == 422, "10^17 minor units would earn 2x10^18 points"
    assert table_items(ddb) == before
    assert admin_api.put("/v1/admin/program", program_document(max_points_per_order=5_000)).status == 200
    assert shop.post("/v1/orders", order("o-7", "bob", price=500_000)).status == 201  # 5,000 points
    over = shop.post("/v1/orders", order("o-8", "bob", price=500_100))
    assert over.status == 422 and "5000" in over.body["errors"][0]["msg"]
    assert points(shop, "bob")["available"] == 5_000
    assert admin_api.put("/v1/admin/program", program_document(max_points_per_order=MAX_SAFE + 1)).status == 422


# 4. Stock and consent stay true


def test_cancelling_a_redemption_of_a_reward_made_unlimited_leaves_it_unlimited(admin_api: Api, shop: Api) -> None:
    reward = {"name": "Coffee", "kind": "voucher", "cost_points": 10}
    admin_api.put("/v1/admin/rewards/coffee", {**reward, "stock": 1})
    assert shop.post("/v1/members/ada/redemptions", {"redemption_id": "x-1", "reward_id": "coffee"}).status == 201
    assert admin_api.put("/v1/admin/rewards/coffee", {**reward, "stock": None}).body["stock_remaining"] is None
    assert shop.post("/v1/redemptions/x-1/cancel").status == 200
    assert shop.get("/v1/rewards/coffee").body["stock_remaining"] is None


def test_cancelling_a_redemption_returns_its_stock_to_a_limited_reward(admin_api: Api, shop: Api) -> None:
    admin_api.put("/v1/admin/rewards/coffee", {"name": "Coffee", "kind": "voucher", "cost_points": 10, "stock": 2})
    assert shop.post("/v1/members/ada/redemptions", {"redemption_id": "x-1", "reward_id": "coffee"}).status == 201
    assert shop.get("/v1/rewards/coffee").body["stock_remaining"] == 1
    shop.post("/v1/redemptions/x-1/cancel")
    assert shop.get("/v1/rewards/coffee").body["stock_remaining"] == 2


def consent_records(admin_api: Api, member_id: str) -> list[dict[str, Any]]:
    """The member's consent history as its export shows it (the first record rides on its referral code,
    the later ones are items of their own)."""
    exported = admin_api.get(f"/v1/admin/members/{member_id}/export")
    assert exported.status == 200
    records: list[dict[str, Any]] = exported.body["consents"]
    return records


def test_every_change_of_consent_is_recorded_with_its_source_and_key(admin_api: Api, shop: Api, ddb: Any) -> None:
    storefront_key = shop.key
    assert storefront_key is not None
    assert (
        shop.post("/v1/members", {"member_id": "cy", "email": "cy@example.com", "marketing_opt_in": True}).status == 201
    )
    first = consent_records(admin_api, "cy")
    assert [(r["marketing_opt_in"], r["source"]) for r in first] == [(True, "api")]
    assert first[0]["key_id"] is not None and first[0]["key_id"] != storefront_key, "a key's id, never the key"

    clock.set_clock(lambda: datetime(2026, 11, 22, 16, 0, tzinfo=UTC))
    assert unsubscribe.unsubscribe(unsubscribe.token_for("cy")) == "cy"
    clock.set_clock(lambda: datetime(2026, 11, 22, 17, 0, tzinfo=UTC))
    assert shop.patch("/v1/members/cy", {"name": "Cy"}).status == 200, "a change without consent records none"
    records = consent_records(admin_api, "cy")
    assert [(r["marketing_opt_in"], r["source"]) for r in records] == [(True, "api"), (False, "unsubscribe_link")]
    assert records[1]["key_id"] is None


def test_after_the_unsubscribe_link_only_an_explicit_consent_opts_in_again(admin_api: Api, shop: Api) -> None:
    shop.post("/v1/members", {"member_id": "cy", "email": "cy@example.com", "marketing_opt_in": True})
    unsubscribe.unsubscribe(unsubscribe.token_for("cy"))
    stale = shop.patch("/v1/members/cy", {"name": "Cy", "marketing_opt_in": True})  # a form showing old data
    assert stale.status == 200 and stale.body["marketing_opt_in"] is False
    clock.set_clock(lambda: datetime(2026, 11, 22, 18, 0, tzinfo=UTC))
    again = shop.patch("/v1/members/cy", {"marketing_opt_in": True, "consent_source": "api"})
    assert again.body["marketing_opt_in"] is True
    assert [r["source"] for r in consent_records(admin_api, "cy")][-1] == "api"
    assert shop.patch("/v1/members/cy", {"consent_source": "email"}).status == 422


def test_consent_history_stays_bounded(admin_api: Api, shop: Api, ddb: Any) -> None:
    shop.post("/v1/members", {"member_id": "cy", "email": "cy@example.com"})
    for minute in range(30):
        clock.set_clock(lambda m=minute: datetime(2026, 11, 22, 16, m, tzinfo=UTC))
        shop.patch("/v1/members/cy", {"marketing_opt_in": minute % 2 == 0})
    records = consent_records(admin_api, "cy")
    assert len(records) == 20, "the last 20 changes are kept"
    assert records[-1]["at"].startswith("2026-11-22T16:29") and records[-1]["marketing_opt_in"] is False
    assert records[0]["at"].startswith("2026-11-22T16:10"), "the enrollment's record (on the code) dropped out"
    kept = [
        item for item in table_items(ddb) if item["PK"]["S"] == "MEMBER#cy" and item["SK"]["S"].startswith("CONSENT#")
    ]
    assert len(kept) == 20, "a ring of 20 items, no more"


def test_every_entry_names_the_key_that_made_it(admin_api: Api, shop: Api) -> None:
    admin_api.post("/v1/admin/members/ada/adjustments", {"adjustment_id": "a-1", "points": 5, "reason": "goodwill"})
    entries = shop.get("/v1/members/ada/activity").body["items"]
    by_kind = {entry["kind"]: entry["key_id"] for entry in entries}
    assert by_kind["earn"] and by_kind["adjust"] and by_kind["earn"] != by_kind["adjust"]
    assert shop.key not in str(entries) and admin_api.key not in str(entries)


# 7. Reads a storefront and an admin need


def test_an_order_reads_as_first_answered_with_its_refunds(shop: Api) -> None:
    first = shop.post("/v1/orders", order("o-9", "bob")).body
    shop.post("/v1/orders/o-9/refunds", {"refund_id": "r-9", "amount_minor": 2500})
    read = shop.get("/v1/orders/o-9")
    assert read.status == 200
    assert {k: read.body[k] for k in ("order_id", "member_id", "points", "status", "breakdown")} == {
        k: first[k] for k in ("order_id", "member_id", "points", "status", "breakdown")
    }
    assert [(r["refund_id"], r["points_reversed"]) for r in read.body["refunds"]] == [("r-9", 25)]
    assert shop.get("/v1/orders/nope").body["code"] == "order_not_found"


def test_a_members_vouchers_newest_first(admin_api: Api, shop: Api) -> None:
    admin_api.put("/v1/admin/rewards/coffee", {"name": "Coffee", "kind": "voucher", "cost_points": 10})
    for n in range(3):
        clock.set_clock(lambda n=n: datetime(2026, 11, 22, 16, n, tzinfo=UTC))
        shop.post("/v1/members/ada/redemptions", {"redemption_id": f"x-{n}", "reward_id": "coffee"})
    page = shop.get("/v1/members/ada/redemptions", query="limit=2").body
    assert [r["redemption_id"] for r in page["items"]] == ["x-2", "x-1"]
    rest = shop.get("/v1/members/ada/redemptions", query=f"limit=2&cursor={page['next_cursor']}").body
    assert [r["redemption_id"] for r in rest["items"]] == ["x-0"] and rest["next_cursor"] is None
    assert shop.get("/v1/members/bob/redemptions").body["items"] == []
    assert shop.get("/v1/members/nobody/redemptions").body["code"] == "member_not_found"


def test_an_admin_finds_a_member_by_email_as_typed(admin_api: Api, shop: Api) -> None:
    found = admin_api.get("/v1/admin/members", query="email=Ada%40Example.com").body["items"]
    assert [m["member_id"] for m in found] == ["ada"]
    assert admin_api.get("/v1/admin/members", query="email=nobody%40example.com").body["items"] == []
    assert shop.get("/v1/admin/members", query="email=ada%40example.com").status == 403


def test_every_reward_for_admins_and_one_reward_for_storefronts(admin_api: Api, shop: Api) -> None:
    admin_api.put("/v1/admin/rewards/coffee", {"name": "Coffee", "kind": "voucher", "cost_points": 10})
    admin_api.put("/v1/admin/rewards/old", {"name": "Old", "kind": "voucher", "cost_points": 10, "active": False})
    assert [r["reward_id"] for r in shop.get("/v1/rewards").body["items"]] == ["coffee"]
    assert sorted(r["reward_id"] for r in admin_api.get("/v1/admin/rewards").body["items"]) == ["coffee", "old"]
    assert shop.get("/v1/rewards/old").body["active"] is False
    assert shop.get("/v1/rewards/none").body["code"] == "reward_not_found"


@pytest.mark.parametrize("typed", ["lower", "spaced", "dashed", "malformed", "unknown"])
def test_voucher_codes_are_matched_as_shoppers_type_them(admin_api: Api, shop: Api, typed: str) -> None:
    admin_api.put("/v1/admin/rewards/coffee", {"name": "Coffee", "kind": "voucher", "cost_points": 10})
    code = shop.post("/v1/members/ada/redemptions", {"redemption_id": "x-1", "reward_id": "coffee"}).body["code"]
    forms = {
        "lower": code.lower(),
        "spaced": " ".join(code[i : i + 4] for i in range(0, len(code), 4)),
        "dashed": "-".join(code[i : i + 4] for i in range(0, len(code), 4)),
        "malformed": code + "!!",
        "unknown": "Z" * len(code),
    }
    answer = shop.get("/v1/vouchers/" + forms[typed].replace(" ", "%20"))
    if typed in {"malformed", "unknown"}:
        assert answer.status == 404 and answer.body["code"] == "redemption_not_found"
    else:
        assert answer.status == 200 and answer.body["redemption_id"] == "x-1"
