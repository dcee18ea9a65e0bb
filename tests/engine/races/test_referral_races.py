"""Referral crediting under concurrency, refereed by the real engine (DynamoDB Local): one referrer's
referrals credited at once, each of them twice (two job runs overlapping), keep the completed count,
the milestones and the cap exact, because each count is taken under a condition on the value before."""

from __future__ import annotations

from typing import Any

import pytest

from harness.programs import program_document
from loyalty.adapters import clock
from loyalty.models.member import EnrollRequest
from loyalty.models.program import Program
from loyalty.services import activity, members, program, referrals
from loyalty.services.jobs import catalog, runner
from loyalty.store import referrals as referral_store
from tests.auditing import audit_clean
from tests.engine.races.test_concurrency import race
from tests.rewarding import earn

pytestmark = pytest.mark.parametrize("aws", ["dynamodb-local"], indirect=True)

RULES: dict[str, Any] = {
    "referrer_points": 500,
    "referee_points": 200,
    "min_order_minor": 5_000,
    "milestones": [
        {"count": 1, "bonus_points": 100},
        {"count": 3, "bonus_points": 1000},
        {"count": 5, "bonus_points": 7},  # beyond the cap: never paid
    ],
    "max_per_member": 4,
}
REFEREES = 6


def test_concurrent_completions_for_one_referrer_hold_the_count_the_milestones_and_the_cap(aws: str) -> None:
    configured = program.save(Program.model_validate(program_document(referrals=RULES)))
    code = members.enroll(EnrollRequest(member_id="a", email="a@example.com"))[0].referral_code
    for index in range(REFEREES):
        members.enroll(EnrollRequest(member_id=f"b{index}", email=f"b{index}@example.com", referral_code=code))
        earn(f"b{index}", f"o-{index}", 60, "2026-11-22T15:00:00Z")  # no pending days: completed at once
    records = [referral_store.get(f"b{index}") for index in range(REFEREES)]
    assert all(record is not None and record.state == "completed" for record in records)

    def credit(i: int) -> referrals.Credited:
        record = records[i % REFEREES]
        assert record is not None
        return referrals.credit(record, configured, clock.now())

    outcomes = race(2 * REFEREES, credit)
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    # Whatever lost every attempt is left in the index for the next run, which finishes it.
    catalog.run_day("mature", clock.now(), runner.Budget(1000))
    credited = [o for o in outcomes if isinstance(o, referrals.Credited) and o.credited]
    assert len(credited) <= REFEREES

    assert all(referral_store.get(f"b{index}").state == "credited" for index in range(REFEREES))  # type: ignore[union-attr]
    view = referrals.view("a")
    assert (view.completed, view.pending, view.next_milestone) == (REFEREES, 0, None)
    entries = sorted((e.kind, e.entry_id, e.points) for e in activity.page("a", 100, None).items)
    referrer = [e for e in entries if e[0] == "referral"]
    assert len(referrer) == 4 and all(points == 500 for *_, points in referrer)  # the cap: 4 of 6
    bonuses = [e for e in entries if e[0] == "bonus"]
    assert bonuses == [("bonus", "milestone:a:1", 100), ("bonus", "milestone:a:3", 1000)]
    assert members.get("a").points.available == 4 * 500 + 100 + 1000  # milestone 5 is beyond the cap
    for index in range(REFEREES):
        assert members.get(f"b{index}").points.available == 60 + 200
    audit_clean()


def test_the_stream_twice_and_the_nightly_run_at_once_credit_each_referral_once(aws: str) -> None:
    """Without pending days the publisher credits from the stream (issue 19, item 9), a redelivered batch
    credits again, and the nightly run may find the same records: all at once, every count, milestone
    and the cap stay exact."""
    program.save(Program.model_validate(program_document(referrals=RULES)))
    code = members.enroll(EnrollRequest(member_id="a", email="a@example.com"))[0].referral_code
    for index in range(REFEREES):
        members.enroll(EnrollRequest(member_id=f"b{index}", email=f"b{index}@example.com", referral_code=code))
        earn(f"b{index}", f"o-{index}", 60, "2026-11-22T15:00:00Z")

    def settle(i: int) -> Any:
        if i == 2 * REFEREES:
            return catalog.run_day("mature", clock.now(), runner.Budget(1000))
        return referrals.settle_completed(f"b{i % REFEREES}", clock.now())

    outcomes = race(2 * REFEREES + 1, settle)
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    # What lost every attempt everywhere is still completed and in the index: the next run finishes it.
    catalog.run_day("mature", clock.now(), runner.Budget(1000))

    assert all(referral_store.get(f"b{index}").state == "credited" for index in range(REFEREES))  # type: ignore[union-attr]
    view = referrals.view("a")
    assert (view.completed, view.pending, view.next_milestone) == (REFEREES, 0, None)
    entries = sorted((e.kind, e.entry_id, e.points) for e in activity.page("a", 100, None).items)
    assert len([e for e in entries if e[0] == "referral"]) == 4  # the cap: 4 of 6
    assert [e for e in entries if e[0] == "bonus"] == [
        ("bonus", "milestone:a:1", 100),
        ("bonus", "milestone:a:3", 1000),
    ]
    assert members.get("a").points.available == 4 * 500 + 100 + 1000
    for index in range(REFEREES):
        assert members.get(f"b{index}").points.available == 60 + 200
    audit_clean()
