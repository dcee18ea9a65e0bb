"""Earning beyond purchases, over the API: a signup bonus in the enrollment's one transaction, and
member events credited by the program's event rules, with limits per member and period."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from harness.api import Api
from harness.counting import DynamoCalls
from harness.programs import program_document
from loyalty.adapters import clock
from loyalty.models.member import EnrollRequest
from loyalty.services import members
from tests.auditing import audit_clean

# The engine decides these outcomes (transactions, conditions, index queries): moto and DynamoDB Local.
pytestmark = pytest.mark.engine

RULES = [
    {"type": "review", "points": 25, "per_member_limit": 1, "period_days": 30},
    {"type": "survey", "points": 10, "per_member_limit": 2},
    {"type": "birthday", "points": 100},
]


def configure(admin_api: Api, **overrides: Any) -> None:
    answer = admin_api.put("/v1/admin/program", program_document(event_rules=RULES, **overrides))
    assert answer.status == 200, answer.body


def enroll(api: Api, member_id: str = "m-1") -> Any:
    answer = api.post("/v1/members", {"member_id": member_id, "email": f"{member_id}@example.com"})
    assert answer.status in (200, 201), answer.body
    return answer


def post_event(api: Api, event_id: str, event_type: str, member_id: str = "m-1", days_ago: int = 0) -> Any:
    occurred = (clock.now() - timedelta(days=days_ago)).isoformat()
    return api.post(
        f"/v1/members/{member_id}/events", {"event_id": event_id, "type": event_type, "occurred_at": occurred}
    )


def test_signup_points_are_credited_once_in_the_enrollment(admin_api: Api, api: Api) -> None:
    configure(admin_api, signup_points=50)
    with DynamoCalls() as calls:
        members.enroll(EnrollRequest(member_id="m-0", email="m-0@example.com"))
    assert calls.operations == ["TransactWriteItems"]  # the bonus rides in the enrollment's one write
    first = enroll(api)
    assert first.status == 201 and first.body["points"]["available"] == 50
    assert first.body["expiring"] == [{"points": 50, "expires_on": first.body["expiring"][0]["expires_on"]}]
    again = enroll(api)
    assert again.status == 200 and again.body["points"]["available"] == 50
    entries = api.get("/v1/members/m-1/activity").body["items"]
    assert [(e["kind"], e["points"], e["reason"]) for e in entries] == [("bonus", 50, "signup")]
    audit_clean()


def test_without_signup_points_a_member_starts_at_zero(admin_api: Api, api: Api) -> None:
    configure(admin_api)
    assert enroll(api).body["points"]["available"] == 0
    assert api.get("/v1/members/m-1/activity").body["items"] == []


def test_an_event_credits_its_rule_once_per_event_id(admin_api: Api, api: Api) -> None:
    configure(admin_api)
    enroll(api)
    first = post_event(api, "ev-1", "birthday")
    assert first.status == 201
    assert first.body["points"] == 100 and first.body["limited"] is False
    assert first.body["entry"]["kind"] == "bonus" and first.body["entry"]["reason"] == "birthday"
    assert first.body["entry"]["balance_after"] == 100
    again = post_event(api, "ev-1", "birthday")
    assert again.status == 200 and again.body == first.body
    assert api.get("/v1/members/m-1").body["points"]["available"] == 100
    audit_clean()


def test_a_limit_per_period_gives_zero_points_and_says_so(admin_api: Api, api: Api) -> None:
    configure(admin_api)
    enroll(api)
    assert post_event(api, "ev-1", "review", days_ago=3).body["points"] == 25
    limited = post_event(api, "ev-2", "review")
    assert limited.status == 201
    assert limited.body == {"event_id": "ev-2", "points": 0, "limited": True, "entry": None}
    assert post_event(api, "ev-2", "review").status == 200  # recorded: a retry answers the same
    # 60 days earlier is another 30-day period.
    assert post_event(api, "ev-3", "review", days_ago=60).body["points"] == 25
    assert api.get("/v1/members/m-1").body["points"]["available"] == 50
    audit_clean()


def test_a_limit_without_a_period_holds_for_ever(admin_api: Api, api: Api) -> None:
    configure(admin_api)
    enroll(api)
    points = [post_event(api, f"ev-{i}", "survey", days_ago=100 * i).body["points"] for i in range(3)]
    assert points == [10, 10, 0]


def test_an_event_id_used_for_another_member_is_a_conflict(admin_api: Api, api: Api) -> None:
    configure(admin_api)
    enroll(api, "m-1")
    enroll(api, "m-2")
    assert post_event(api, "ev-1", "birthday", "m-1").status == 201
    clash = post_event(api, "ev-1", "birthday", "m-2")
    assert clash.status == 409 and clash.body["code"] == "idempotency_conflict"
    assert "m-1" not in str(clash.body)


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"event_id": "ev-1", "type": "tweet", "occurred_at": "2026-11-30T11:00:00Z"}, "type"),
        ({"event_id": "ev-1", "type": "review", "occurred_at": "2026-12-30T11:00:00Z"}, "occurred_at"),
        ({"event_id": "ev-1", "type": "review", "occurred_at": "2024-01-01T00:00:00Z"}, "occurred_at"),
    ],
)
def test_unknown_types_and_odd_times_are_refused(admin_api: Api, api: Api, body: dict[str, Any], loc: str) -> None:
    configure(admin_api)
    enroll(api)
    answer = api.post("/v1/members/m-1/events", body)
    assert answer.status == 422 and answer.body["errors"][0]["loc"][-1] == loc


def test_an_unknown_member_is_not_found(admin_api: Api, api: Api) -> None:
    configure(admin_api)
    answer = post_event(api, "ev-1", "birthday", "nobody")
    assert answer.status == 404 and answer.body["code"] == "member_not_found"


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ([{"type": "a", "points": 1}, {"type": "a", "points": 2}], "event_rules types must be unique"),
        ([{"type": "a", "points": 1, "period_days": 30}], "period_days needs per_member_limit"),
    ],
)
def test_inconsistent_event_rules_are_refused(admin_api: Api, rules: list[dict[str, Any]], message: str) -> None:
    answer = admin_api.put("/v1/admin/program", program_document(event_rules=rules))
    assert answer.status == 422
    assert any(message in error["msg"] for error in answer.body["errors"]), answer.body
