"""Member routes as a storefront sees them: status codes and bodies from the contract."""

from __future__ import annotations

from harness.api import Api
from harness.orders import line, order_document


def test_enroll_then_replay_then_conflicts(api: Api) -> None:
    body = {"member_id": "m-1", "email": "Ada@Example.com", "name": "Ada", "marketing_opt_in": True, "locale": "en"}
    created = api.post("/v1/members", body)
    assert created.status == 201
    member = created.body
    assert member["email"] == "ada@example.com" and member["tier"] == {"name": "Bronze", "multiplier": 1.0, "perks": []}
    assert member["points"] == {"available": 0, "pending": 0, "lifetime_earned": 0, "qualifying": 0}
    assert member["enrolled_at"].endswith("Z") and member["expiring"] == []
    replay = api.post("/v1/members", body)
    assert replay.status == 200 and replay.body == member
    other_email = api.post("/v1/members", {**body, "email": "other@example.com"})
    assert other_email.status == 409 and other_email.body["code"] == "member_exists"
    taken = api.post("/v1/members", {**body, "member_id": "m-2"})
    assert taken.status == 409 and taken.body["code"] == "email_taken"
    assert api.get("/v1/members/m-1").body == member


def test_patch_and_not_found(api: Api) -> None:
    assert api.post("/v1/members", {"member_id": "m-1", "email": "ada@example.com"}).status == 201
    patched = api.patch("/v1/members/m-1", {"name": "Ada L.", "marketing_opt_in": True})
    assert patched.status == 200 and patched.body["name"] == "Ada L." and patched.body["marketing_opt_in"] is True
    missing = api.get("/v1/members/ghost")
    assert missing.status == 404 and missing.body["code"] == "member_not_found"
    assert api.patch("/v1/members/ghost", {"name": "x"}).body["code"] == "member_not_found"
    assert api.get("/v1/members/ghost/activity").body["code"] == "member_not_found"


def test_member_and_order_routes_wait_for_a_program(admin_api: Api) -> None:
    answer = admin_api.post("/v1/members", {"member_id": "m-1", "email": "ada@example.com"})
    assert answer.status == 409 and answer.body["code"] == "program_not_configured"
    order = order_document("o", "m-1", lines=[line(1, "A", "c")])
    assert admin_api.post("/v1/orders", order).body["code"] == "program_not_configured"
    assert admin_api.get("/v1/admin/program").body["code"] == "program_not_configured"


def test_program_round_trip(admin_api: Api) -> None:
    from harness.programs import program_document

    stored = admin_api.put("/v1/admin/program", program_document(points_per_unit=2.5))
    assert stored.status == 200 and stored.body["points_per_unit"] == "2.5"
    assert admin_api.get("/v1/admin/program").body == stored.body
    bad = admin_api.put("/v1/admin/program", program_document(tiers=[{"name": "X", "threshold": 5, "multiplier": 1}]))
    assert bad.status == 422 and "threshold 0" in bad.body["detail"]
    assert admin_api.get("/v1/admin/program").body == stored.body


def test_activity_pages_newest_first_one_query_each(api: Api) -> None:
    from harness.counting import DynamoCalls

    assert api.post("/v1/members", {"member_id": "m-1", "email": "ada@example.com"}).status == 201
    for n in range(5):
        assert api.post("/v1/orders", order_document(f"o-{n}", "m-1", 100 * (n + 1))).status == 201
    seen: list[dict[str, object]] = []
    cursor = None
    with DynamoCalls() as calls:
        for _ in range(3):
            page = api.get("/v1/members/m-1/activity", query="limit=2" + (f"&cursor={cursor}" if cursor else "")).body
            seen.extend(page["items"])
            cursor = page["next_cursor"]
    assert [entry["order_id"] for entry in seen] == ["o-4", "o-3", "o-2", "o-1", "o-0"]
    assert [entry["balance_after"] for entry in seen] == [15, 10, 6, 3, 1]
    assert all(entry["kind"] == "earn" for entry in seen)
    assert calls.operations.count("Query") == 3
