"""Rewards and redemptions over HTTP: the status codes and bodies of the contract."""

from __future__ import annotations

from harness.api import Api
from harness.orders import order_document as order


def test_catalog_redeem_voucher_use_and_cancel(admin_api: Api, api: Api) -> None:
    created = admin_api.put(
        "/v1/admin/rewards/coffee",
        {"name": "Free coffee", "kind": "free_product", "sku": "COFFEE", "cost_points": 100, "stock": 2},
    )
    assert created.status == 201 and created.body["stock_remaining"] == 2 and created.body["reward_id"] == "coffee"
    replaced = admin_api.put(
        "/v1/admin/rewards/coffee",
        {"name": "Free coffee", "kind": "free_product", "sku": "COFFEE", "cost_points": 100, "stock": 3},
    )
    assert replaced.status == 200 and replaced.body["stock_remaining"] == 3
    bad_kind = admin_api.put("/v1/admin/rewards/pct", {"name": "10% off", "kind": "discount_percent", "cost_points": 5})
    assert bad_kind.status == 422
    assert api.get("/v1/rewards").body["items"][0]["reward_id"] == "coffee"

    assert api.post("/v1/members", {"member_id": "m-1", "email": "ada@example.com"}).status == 201
    assert api.post("/v1/orders", order("o-1", "m-1", 25_000)).status == 201
    issued = api.post("/v1/members/m-1/redemptions", {"redemption_id": "x-1", "reward_id": "coffee"})
    assert (
        issued.status == 201
        and issued.body["status"] == "issued"
        and issued.body["member"]["points"]["available"] == 150
    )
    assert api.post("/v1/members/m-1/redemptions", {"redemption_id": "x-1", "reward_id": "coffee"}).status == 200
    looked_up = api.get(f"/v1/vouchers/{issued.body['code']}")
    assert looked_up.status == 200 and looked_up.body["redemption_id"] == "x-1"
    assert api.get("/v1/vouchers/ZZZZZZZZZZZZZZ").body["code"] == "redemption_not_found"

    second = api.post("/v1/members/m-1/redemptions", {"redemption_id": "x-2", "reward_id": "coffee"})
    assert second.status == 201
    poor = api.post("/v1/members/m-1/redemptions", {"redemption_id": "x-3", "reward_id": "coffee"})
    assert poor.status == 409 and poor.body["code"] == "insufficient_points"
    assert api.post("/v1/redemptions/x-1/use", None).body["status"] == "used"
    assert api.post("/v1/redemptions/x-1/cancel", None).body["code"] == "redemption_used"
    cancelled = api.post("/v1/redemptions/x-2/cancel", None)
    assert cancelled.status == 200 and cancelled.body["status"] == "cancelled"
    assert cancelled.body["member"]["points"]["available"] == 150
    assert api.post("/v1/redemptions/x-2/use", None).body["code"] == "redemption_cancelled"
    assert api.post("/v1/redemptions/nope/use", None).body["code"] == "redemption_not_found"
    kinds = [entry["kind"] for entry in api.get("/v1/members/m-1/activity").body["items"]]
    assert kinds == ["redemption_cancel", "redeem", "redeem", "earn"]


def test_an_adjustment_records_the_admin_keys_label(admin_api: Api, api: Api) -> None:
    assert api.post("/v1/members", {"member_id": "m-1", "email": "ada@example.com"}).status == 201
    entry = admin_api.post(
        "/v1/admin/members/m-1/adjustments", {"adjustment_id": "a-1", "points": 40, "reason": "late delivery"}
    )
    assert entry.status == 201
    assert entry.body["kind"] == "adjust" and entry.body["points"] == 40 and entry.body["balance_after"] == 40
    assert (
        admin_api.post(
            "/v1/admin/members/m-1/adjustments", {"adjustment_id": "a-1", "points": 40, "reason": "late delivery"}
        ).status
        == 200
    )
    too_much = admin_api.post(
        "/v1/admin/members/m-1/adjustments", {"adjustment_id": "a-2", "points": -41, "reason": "x"}
    )
    assert too_much.status == 409 and too_much.body["code"] == "insufficient_points"
    assert (
        admin_api.post("/v1/admin/members/m-1/adjustments", {"adjustment_id": "a-3", "points": 0, "reason": "x"}).status
        == 422
    )
    from loyalty.store import keys
    from loyalty.store.client import dynamodb, from_item, table_name, to_item

    stored = from_item(dynamodb().get_item(TableName=table_name(), Key=to_item(keys.adjustment("a-1")))["Item"])
    assert stored["actor"] == "test admin"
