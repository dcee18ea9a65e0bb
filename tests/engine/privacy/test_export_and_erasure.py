"""A member's privacy rights over HTTP (contract v1.1, "Privacy and migration"): the export holds
everything the other routes show of the member; the erasure leaves no trace of its email, name or
locale in the table, frees the email, forfeits the balance once and refuses every later write."""

from __future__ import annotations

import json
from typing import Any

import pytest

from harness.api import Api
from harness.counting import DynamoCalls
from harness.orders import line, order_document
from loyalty.store import keys
from loyalty.store.client import dynamodb, from_item, table_name, to_item
from loyalty.store.outbox import entries_of
from tests.auditing import audit_clean
from tests.conftest import table_items

# The engine decides these outcomes (transactions, conditions, index queries): moto and DynamoDB Local.
pytestmark = pytest.mark.engine

EMAIL = "Ada.Lovelace@Example.com"
NAME = "Augusta Ada King"


def order(order_id: str, price: int, member_id: str = "m-1") -> dict[str, Any]:
    return order_document(order_id, member_id, lines=[line(price, "SHOE"), line(500, "SOCK", quantity=2)])


def shopped(admin_api: Api, api: Api) -> dict[str, Any]:
    """A member with a bit of everything: consent changes, orders, a refund, vouchers (one used, one
    cancelled, one issued), an adjustment. Answers the ids used."""
    enrolled = {"member_id": "m-1", "email": EMAIL, "name": NAME, "marketing_opt_in": True, "locale": "en-GB"}
    assert api.post("/v1/members", enrolled).status == 201
    assert api.patch("/v1/members/m-1", {"marketing_opt_in": False}).status == 200
    assert api.patch("/v1/members/m-1", {"marketing_opt_in": True, "consent_source": "api"}).status == 200
    for n in range(3):
        assert api.post("/v1/orders", order(f"o-{n}", 20_000 + n * 1_000)).status == 201
    assert api.post("/v1/orders/o-1/refunds", {"refund_id": "r-1", "amount_minor": 5_000}).status == 201
    coffee = {"name": "Free coffee", "kind": "free_product", "sku": "COFFEE", "cost_points": 50}
    assert admin_api.put("/v1/admin/rewards/coffee", coffee).status == 201
    for n in range(3):
        assert api.post("/v1/members/m-1/redemptions", {"redemption_id": f"x-{n}", "reward_id": "coffee"}).status == 201
    assert api.post("/v1/redemptions/x-0/use").status == 200
    assert api.post("/v1/redemptions/x-1/cancel").status == 200
    adjustment = {"adjustment_id": "adj-1", "points": 25, "reason": "goodwill"}
    assert admin_api.post("/v1/admin/members/m-1/adjustments", adjustment).status == 201
    return {"orders": ["o-2", "o-1", "o-0"], "redemptions": ["x-2", "x-1", "x-0"]}


def every_page(api: Api, path: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = api.get(path, query="limit=2" + (f"&cursor={cursor}" if cursor else "")).body
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


def test_the_export_holds_everything_the_routes_show_of_the_member(admin_api: Api, api: Api) -> None:
    ids = shopped(admin_api, api)
    assert api.post("/v1/members", {"member_id": "m-2", "email": "other@example.com"}).status == 201
    assert api.post("/v1/orders", order("o-other", 9_000, "m-2")).status == 201

    with DynamoCalls() as calls:
        exported = admin_api.get("/v1/admin/members/m-1/export")
    assert exported.status == 200
    document = exported.body
    assert set(document) == {"member", "consents", "activity", "redemptions", "orders"}
    member = api.get("/v1/members/m-1").body
    assert document["member"] == member
    assert member["email"] == EMAIL.lower() and member["name"] == NAME and member["locale"] == "en-GB"
    # Every entry, every voucher and every order, each as its own route shows it, newest first.
    assert document["activity"] == every_page(api, "/v1/members/m-1/activity")
    assert len(document["activity"]) == 3 + 1 + 3 + 1 + 1  # orders, refund, redemptions, cancel, adjustment
    assert document["redemptions"] == every_page(api, "/v1/members/m-1/redemptions")
    assert [r["redemption_id"] for r in document["redemptions"]] == ids["redemptions"]
    assert [o["order_id"] for o in document["orders"]] == ids["orders"]
    assert document["orders"] == [api.get(f"/v1/orders/{order_id}").body for order_id in ids["orders"]]
    assert document["orders"][1]["refunds"][0]["refund_id"] == "r-1"
    # The consent history, oldest first, with who recorded each change and when.
    consents = document["consents"]
    assert [(c["marketing_opt_in"], c["source"]) for c in consents] == [(True, "api"), (False, "api"), (True, "api")]
    assert all(c["key_id"] and c["key_id"].startswith("key_") and c["at"].endswith("Z") for c in consents)
    # Nothing of the other member, and no Scan: Queries of the member's own partition and index.
    assert "m-2" not in json.dumps(document) and "o-other" not in json.dumps(document)
    assert "Scan" not in calls.operations

    missing = admin_api.get("/v1/admin/members/ghost/export")
    assert missing.status == 404 and missing.body["code"] == "member_not_found"
    forbidden = api.get("/v1/admin/members/m-1/export")
    assert forbidden.status == 403 and forbidden.body["code"] == "forbidden"


def _mentions(item: dict[str, Any], *needles: str) -> bool:
    text = json.dumps(item, default=str).lower()
    return any(needle.lower() in text for needle in needles)


def _profile(member_id: str) -> dict[str, Any]:
    answer = dynamodb().get_item(TableName=table_name(), Key=to_item(keys.member(member_id)), ConsistentRead=True)
    return from_item(answer["Item"])


def test_erasure_leaves_no_personal_data_and_forfeits_the_balance_once(admin_api: Api, api: Api, ddb: Any) -> None:
    shopped(admin_api, api)
    before = api.get("/v1/members/m-1").body
    ledger_before = every_page(api, "/v1/members/m-1/activity")
    balance = before["points"]["available"]
    assert balance > 0 and any(_mentions(item, EMAIL, NAME) for item in table_items(ddb))

    erased = admin_api.delete("/v1/admin/members/m-1")
    assert erased.status == 204 and erased.body == ""

    member = api.get("/v1/members/m-1").body
    assert member["status"] == "erased"
    assert member["email"] is None and member["name"] is None and member["locale"] is None
    assert member["points"]["available"] == 0 and member["points"]["pending"] == 0 and member["expiring"] == []
    assert member["marketing_opt_in"] is False
    assert (member["enrolled_at"], member["referral_code"]) == (before["enrolled_at"], before["referral_code"])
    # The ledger stays, amounts and dates, and one adjust entry forfeits what was left.
    ledger = every_page(api, "/v1/members/m-1/activity")
    forfeit, *kept = ledger
    # ... but not the admins' free text, which may name the member (docs/privacy.md).
    assert kept == [{**e, "reason": "redacted"} if e["kind"] == "adjust" else e for e in ledger_before]
    assert forfeit["kind"] == "adjust" and forfeit["reason"] == "erasure"
    assert forfeit["points"] == -balance and forfeit["balance_after"] == 0
    assert forfeit["key_id"] is not None and forfeit["key_id"].startswith("key_")
    assert sum(entry["points"] for entry in ledger) == 0
    # No item of the table holds the email or the name; the audit is clean.
    assert [item for item in table_items(ddb) if _mentions(item, EMAIL, NAME)] == []
    audit_clean()
    # The outbox says member.erased (after the forfeit) and nothing about the person.
    outbox = entries_of(_profile("m-1"))
    assert [event["type"] for event in outbox] == ["points.adjusted", "member.erased"]
    assert "data" not in outbox[1]  # no data at all (the publisher sends {})
    assert outbox[0]["data"] == {
        "adjustment_id": "erasure",
        "points": -balance,
        "reason": "erasure",
        "balance": {"available": 0, "pending": 0},
    }

    # Idempotent: a second erasure answers 204 and forfeits nothing again.
    version = _profile("m-1")["version"]
    assert admin_api.delete("/v1/admin/members/m-1").status == 204
    assert every_page(api, "/v1/members/m-1/activity") == ledger
    assert _profile("m-1")["version"] == version

    # The email is free: it enrolls again as a new member, with nothing of the old one.
    again = api.post("/v1/members", {"member_id": "m-new", "email": EMAIL})
    assert again.status == 201 and again.body["points"]["available"] == 0
    found = admin_api.get("/v1/admin/members", query="email=" + EMAIL.lower()).body["items"]
    assert [m["member_id"] for m in found] == ["m-new"]
    assert api.get("/v1/members/m-1").body["status"] == "erased"
    audit_clean()


def test_every_write_for_an_erased_member_is_refused(admin_api: Api, api: Api) -> None:
    shopped(admin_api, api)
    assert admin_api.delete("/v1/admin/members/m-1").status == 204
    writes = [
        api.post("/v1/members", {"member_id": "m-1", "email": EMAIL}),
        api.post("/v1/members", {"member_id": "m-1", "email": "someone.else@example.com"}),
        api.patch("/v1/members/m-1", {"name": "Someone"}),
        api.post("/v1/orders", order("o-9", 10_000)),
        api.post("/v1/orders/o-0/refunds", {"refund_id": "r-9", "amount_minor": 100}),
        api.post("/v1/members/m-1/redemptions", {"redemption_id": "x-9", "reward_id": "coffee"}),
        api.post("/v1/redemptions/x-2/use"),
        api.post("/v1/redemptions/x-2/cancel"),
        admin_api.post("/v1/admin/members/m-1/adjustments", {"adjustment_id": "adj-9", "points": 5, "reason": "x"}),
    ]
    assert [(answer.status, answer.body["code"]) for answer in writes] == [(409, "member_erased")] * len(writes)
    assert all(answer.content_type == "application/problem+json" for answer in writes)
    # Reads still answer; nothing was written.
    assert api.get("/v1/orders/o-0").status == 200
    assert api.get("/v1/orders/o-9").body["code"] == "order_not_found"
    voucher = api.get("/v1/members/m-1/redemptions").body["items"][0]
    assert (voucher["redemption_id"], voucher["status"]) == ("x-2", "issued")
    assert api.get("/v1/members/m-1").body["status"] == "erased"
    audit_clean()


def test_erasing_an_unknown_member_or_without_the_admin_scope(admin_api: Api, api: Api) -> None:
    missing = admin_api.delete("/v1/admin/members/ghost")
    assert missing.status == 404 and missing.body["code"] == "member_not_found"
    assert api.post("/v1/members", {"member_id": "m-1", "email": EMAIL}).status == 201
    forbidden = api.delete("/v1/admin/members/m-1")
    assert forbidden.status == 403 and forbidden.body["code"] == "forbidden"
    assert api.get("/v1/members/m-1").body["status"] == "active"
    # A member with nothing to forfeit is erased all the same, with an entry of 0 points.
    assert admin_api.delete("/v1/admin/members/m-1").status == 204
    [entry] = api.get("/v1/members/m-1/activity").body["items"]
    assert (entry["kind"], entry["reason"], entry["points"], entry["balance_after"]) == ("adjust", "erasure", 0, 0)
    assert [event["type"] for event in entries_of(_profile("m-1"))] == ["member.erased"]
