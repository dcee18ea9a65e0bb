"""The holdout through the API and the accrual queue, as a storefront and an admin see it: a holdout
member's group shown to admins (never on /v1/me), and on every path its base points, tier multiplier,
signup and event rewards, and never a campaign's multiplier or bonus (nor a share of its budget, nor a use
of its per_member_limit) when the program excludes campaigns; the widget's ways to earn list none."""

from __future__ import annotations

from typing import Any

import pytest

from harness.api import Api, member_token
from harness.orders import line, order_document
from harness.programs import program_document
from local import runtime
from local.template import Template
from loyalty.models.imports import ImportRow
from loyalty.models.member import EnrollRequest
from loyalty.services import imports, members
from loyalty.services import program as programs
from tests import sqs
from tests.auditing import audit_clean
from tests.service.holdout.ids import member_id

NOV = "2026-11-01T00:00:00Z"
DEC = "2026-12-31T00:00:00Z"
CAMPAIGNS = [
    {"campaign_id": "double", "multiplier": 2, "starts_at": NOV, "ends_at": DEC},
    {
        "campaign_id": "launch",
        "bonus_points": 100,
        "budget_points": 1_000,
        "per_member_limit": 1,
        "starts_at": NOV,
        "ends_at": DEC,
    },
]
HELD = member_id("held", held=True)
TREATED = member_id("treated", held=False)


def configure(admin_api: Api, **holdout: Any) -> None:
    document = program_document(
        campaigns=CAMPAIGNS,
        signup_points=25,
        event_rules=[{"type": "review", "points": 40}],
        holdout={"percent": 50, **holdout},
    )
    answer = admin_api.put("/v1/admin/program", document)
    assert answer.status == 200, answer.body


def enroll(api: Api, member: str) -> dict[str, Any]:
    answer = api.post("/v1/members", {"member_id": member, "email": f"{member}@example.com"})
    assert answer.status == 201, answer.body
    body: dict[str, Any] = answer.body
    return body


def order(api: Api, order_id: str, member: str, **fields: Any) -> dict[str, Any]:
    answer = api.post("/v1/orders", order_document(order_id, member, **fields))
    assert answer.status in (200, 201), answer.body
    body: dict[str, Any] = answer.body
    return body


def test_the_program_takes_the_holdout_and_refuses_what_the_contract_does_not_allow(admin_api: Api) -> None:
    configure(admin_api)
    stored = admin_api.get("/v1/admin/program").body["holdout"]
    assert stored == {"percent": 50, "excludes": ["campaigns", "reengagement_emails"]}
    for bad in (
        {"percent": 60},
        {"percent": 10, "excludes": ["coupons"]},
        {"percent": 10, "excludes": ["campaigns"] * 2},
    ):
        answer = admin_api.put("/v1/admin/program", program_document(holdout=bad))
        assert answer.status == 422 and answer.body["code"] == "validation_error", bad
        assert answer.headers["content-type"].startswith("application/problem+json")
    assert admin_api.get("/v1/admin/program").body["holdout"] == stored, "a refused program changes nothing"


def test_enrollment_draws_the_group_once_and_admin_views_show_it_but_not_the_members_own(
    api: Api, admin_api: Api
) -> None:
    early = member_id("early", held=True)
    enroll(api, early)  # before the holdout: treatment for life, whatever its id would draw
    configure(admin_api)
    assert enroll(api, HELD)["group"] == "holdout"
    assert enroll(api, TREATED)["group"] == "treatment"
    again = api.post("/v1/members", {"member_id": HELD, "email": f"{HELD}@example.com"})
    assert again.status == 200 and again.body["group"] == "holdout", "a retried enrollment draws the same"
    assert api.get(f"/v1/members/{HELD}").body["group"] == "holdout"
    assert api.get(f"/v1/members/{early}").body["group"] == "treatment"
    found = admin_api.get("/v1/admin/members", query=f"email={HELD}@example.com").body["items"]
    assert [m["group"] for m in found] == ["holdout"]
    export = admin_api.get(f"/v1/admin/members/{HELD}/export").body
    assert export["member"]["group"] == "holdout"
    # A percent moved to 0 draws no one new; the members drawn stay where they are.
    configure(admin_api, percent=0)
    assert api.get(f"/v1/members/{HELD}").body["group"] == "holdout"
    assert enroll(api, member_id("late", held=True))["group"] == "treatment"

    me = Api(api.gateway.template, member_token(api, HELD))
    for path in ("/v1/me", "/v1/me/balance", "/v1/me/ways-to-earn"):
        body = me.get(path).body
        assert "group" not in body and "holdout" not in str(body), path


def test_a_holdout_member_gets_base_points_tiers_signup_and_events_and_no_campaign_by_the_api(
    api: Api, admin_api: Api
) -> None:
    configure(admin_api)
    held, treated = enroll(api, HELD), enroll(api, TREATED)
    assert held["points"]["available"] == treated["points"]["available"] == 25, "signup points for both"
    lines = [line(40_000, "A", "shoes"), line(5_000, "B", "electronics")]
    a, b = order(api, "o-held-1", HELD, lines=lines), order(api, "o-treated-1", TREATED, lines=lines)
    # 400 + 50 x 2 = 500 base points; the treatment doubles them and gets the bonus.
    assert (a["points"], a["bonuses"]) == (500, [])
    assert all("campaign" not in rule for entry in a["breakdown"] for rule in entry["rules"])
    assert (b["points"], b["bonuses"]) == (1_100, [{"campaign_id": "launch", "points": 100, "limited": False}])
    # 1,100 qualifying points reach Silver: the holdout member's tier multiplies as the treatment's does.
    assert order(api, "o-held-2", HELD, price_minor=60_000)["member"]["tier"]["name"] == "Silver"
    assert order(api, "o-held-3", HELD, price_minor=10_000)["points"] == 125, "100 x 1.25, no campaign"
    review = {"event_id": "ev-1", "type": "review", "occurred_at": "2026-11-22T10:00:00Z"}
    assert api.post(f"/v1/members/{HELD}/events", review).status == 201

    assert admin_api.get("/v1/admin/campaigns/launch").body["spent_points"] == 100, "the treatment's bonus only"
    # The holdout used nothing of the per-member limit: a second treatment order gets no bonus, the holdout
    # member's orders never counted.
    assert order(api, "o-treated-2", TREATED)["bonuses"] == []
    assert api.get(f"/v1/members/{HELD}").body["points"]["available"] == 25 + 500 + 600 + 125 + 40
    audit_clean()


def test_campaigns_not_excluded_reach_the_holdout_as_everyone(api: Api, admin_api: Api) -> None:
    configure(admin_api, excludes=["reengagement_emails", "expiry_reminders"])
    enroll(api, HELD)
    assert order(api, "o-1", HELD)["points"] == 20 + 100


def test_the_accrual_queue_decides_as_the_api(api: Api, admin_api: Api, template: Template) -> None:
    configure(admin_api)
    enroll(api, HELD), enroll(api, TREATED)
    messages = [
        sqs.record({"type": "order.completed", "order": order_document(f"q-{m}", m, 10_000)}, f"msg-{m}")
        for m in (HELD, TREATED)
    ]
    assert runtime.invoke(template, "AccrualConsumerFunction", sqs.batch(*messages)) == {"batchItemFailures": []}
    held, treated = (api.get(f"/v1/orders/q-{m}").body for m in (HELD, TREATED))
    assert (held["points"], held["bonuses"]) == (100, [])
    assert (treated["points"], [b["campaign_id"] for b in treated["bonuses"]]) == (300, ["launch"])
    again = api.post("/v1/orders", order_document(f"q-{HELD}", HELD, 10_000))
    assert again.status == 200 and again.body["points"] == 100, "the API replays what the queue credited"


def test_ways_to_earn_shows_a_holdout_member_no_campaign(api: Api, admin_api: Api) -> None:
    configure(admin_api)
    enroll(api, HELD), enroll(api, TREATED)

    def kinds(member: str) -> list[tuple[str, str]]:
        me = Api(api.gateway.template, member_token(api, member))
        answer = me.get("/v1/me/ways-to-earn")
        assert answer.status == 200
        return sorted((rule["kind"], rule["label"]) for rule in answer.body["rules"])

    held, treated = kinds(HELD), kinds(TREATED)
    assert ("campaign", "double") in treated and ("campaign", "launch") in treated
    assert held == [rule for rule in treated if rule[0] != "campaign"]
    assert ("event", "review") in held and ("category", "electronics") in held


def test_an_import_draws_each_row_as_an_enrollment(api: Api, admin_api: Api) -> None:
    configure(admin_api)
    program = programs.current()
    for n, member in enumerate((HELD, TREATED), start=1):
        row = ImportRow.model_validate({"member_id": member, "email": f"{member}@example.com"})
        assert imports.import_row("imp-1", n, row, program)
        assert imports.import_row("imp-1", n, row, program), "a redelivered line imports nothing new"
    assert api.get(f"/v1/members/{HELD}").body["group"] == "holdout"
    assert api.get(f"/v1/members/{TREATED}").body["group"] == "treatment"
    assert order(api, "o-1", HELD)["bonuses"] == []


@pytest.mark.parametrize("taker_held", [True, False])
def test_a_takeover_keeps_the_takers_own_group(api: Api, admin_api: Api, taker_held: bool) -> None:
    """The member that enrolls is the one that stays: its own draw decides, not the provisional member's
    (docs/experiments.md, "The holdout")."""
    configure(admin_api)
    provisional = member_id("checkout", held=not taker_held)
    members.enroll(EnrollRequest(member_id=provisional, email="bob@example.com"), provisional=True)
    order(api, "o-guest", provisional)
    taker = member_id("bob", held=taker_held)
    answer = api.post("/v1/members", {"member_id": taker, "email": "bob@example.com"})
    assert answer.status == 201 and answer.body["points"]["available"] > 0, answer.body
    assert answer.body["group"] == ("holdout" if taker_held else "treatment")
    after = order(api, "o-after", taker)
    doubled = any("campaign:double" in rule for entry in after["breakdown"] for rule in entry["rules"])
    assert (after["points"] == 10) is taker_held and doubled is not taker_held, after
