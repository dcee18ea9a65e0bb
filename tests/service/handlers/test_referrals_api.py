"""GET /v1/members/{member_id}/referrals and the referral checks of enrollment, as a storefront sees them."""

from __future__ import annotations

from harness.api import Api
from harness.programs import program_document

REFERRALS = {
    "referrer_points": 500,
    "referee_points": 200,
    "min_order_minor": 5_000,
    "milestones": [{"count": 3, "bonus_points": 1000}, {"count": 1, "bonus_points": 100}],
    "max_per_member": 10,
}


def test_referrals_view_and_refused_referrals(api: Api, admin_api: Api) -> None:
    assert admin_api.put("/v1/admin/program", program_document(referrals=REFERRALS)).status == 200
    referrer = api.post("/v1/members", {"member_id": "a", "email": "ann.lee@gmail.com"}).body
    code = referrer["referral_code"]
    assert api.post("/v1/members", {"member_id": "b", "email": "bo@example.com", "referral_code": code}).status == 201
    view = api.get("/v1/members/a/referrals")
    assert view.status == 200
    assert view.body == {
        "referral_code": code,
        "completed": 0,
        "pending": 1,
        "next_milestone": {"count": 1, "bonus_points": 100},
    }
    own = api.post("/v1/members", {"member_id": "a", "email": "ann.lee@gmail.com", "referral_code": code})
    assert own.status == 422 and own.headers["content-type"].startswith("application/problem+json")
    for email in ("annlee+shop@gmail.com", "Ann.Lee@googlemail.com"):  # the same mailbox
        same = api.post("/v1/members", {"member_id": "c", "email": email, "referral_code": code})
        assert same.status == 422 and same.body["code"] == "validation_error"
    assert api.get("/v1/members/c").status == 404  # refused: nothing written
    unknown = api.post("/v1/members", {"member_id": "c", "email": "c@example.com", "referral_code": "ZZZZZZZZ"})
    assert unknown.status == 422
    assert api.get("/v1/members/a/referrals").body["pending"] == 1
    assert api.get("/v1/members/ghost/referrals").status == 404


def test_without_referral_rules_no_milestone_is_next(api: Api) -> None:
    code = api.post("/v1/members", {"member_id": "a", "email": "a@example.com"}).body["referral_code"]
    assert api.get("/v1/members/a/referrals").body == {
        "referral_code": code,
        "completed": 0,
        "pending": 0,
        "next_milestone": None,
    }
