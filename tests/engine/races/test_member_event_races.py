"""Member event limits under concurrency, refereed by the real engine (DynamoDB Local)."""

from __future__ import annotations

import pytest

from harness.programs import program_document
from loyalty.adapters import clock
from loyalty.domain.errors import Contended
from loyalty.models.member import EnrollRequest
from loyalty.models.member_event import MemberEventRequest, MemberEventResult
from loyalty.models.program import Program
from loyalty.services import activity, member_events, members, program
from tests.auditing import audit_clean
from tests.engine.races.test_concurrency import race

pytestmark = pytest.mark.parametrize("aws", ["dynamodb-local"], indirect=True)


def until_recorded(request: MemberEventRequest) -> tuple[MemberEventResult, bool]:
    """As a client does with a 503: send the same event again until it is recorded."""
    for _ in range(20):
        try:
            return member_events.record("m-1", request)
        except Contended:
            continue
    raise AssertionError(f"{request.event_id} was never recorded")


def test_ten_concurrent_events_against_a_limit_of_one_per_30_days_credit_once(aws: str) -> None:
    rules = [{"type": "review", "points": 25, "per_member_limit": 1, "period_days": 30}]
    program.save(Program.model_validate(program_document(event_rules=rules)))
    members.enroll(EnrollRequest(member_id="m-1", email="ada@example.com"))
    at = clock.now().isoformat()

    def post(i: int) -> tuple[MemberEventResult, bool]:
        return until_recorded(
            MemberEventRequest.model_validate({"event_id": f"ev-{i}", "type": "review", "occurred_at": at})
        )

    outcomes = race(10, post)
    assert all(isinstance(o, tuple) and o[1] for o in outcomes), outcomes
    results = [o[0] for o in outcomes]
    assert sorted(r.points for r in results) == [0] * 9 + [25]
    assert sum(r.limited for r in results) == 9
    assert members.get("m-1").points.available == 25
    assert [(e.kind, e.points) for e in activity.page("m-1", 100, None).items] == [("bonus", 25)]
    audit_clean()
