"""Tier review through the job: the review date each balance write stores, the grace of a tier reached by
earning, the move down on the review day, and the keys accrual, refunds and enrollment leave behind."""

from __future__ import annotations

from loyalty.adapters import clock
from loyalty.models.order import RefundRequest
from loyalty.services import members, refunds
from loyalty.store import keys
from tests.counting import DynamoCalls
from tests.jobs.conftest import at, earn, enroll, profile, run


def tier(member_id: str) -> str:
    return members.get(member_id).tier.name


def review_day(member_id: str) -> str | None:
    pk = profile(member_id).get("GSI4PK")
    return str(pk).split("#")[2] if pk else None


def test_reaching_a_tier_starts_a_grace_of_one_window_then_the_review_moves_the_member_down(jobs: str) -> None:
    enroll("m-1")
    earn("m-1", "o-1", 600, "2026-01-10 10:00")
    assert tier("m-1") == "Bronze" and review_day("m-1") is None  # the lowest tier is never reviewed
    earn("m-1", "o-2", 500, "2026-03-01 10:00")  # 1100 qualifying: Silver, from today
    assert tier("m-1") == "Silver"
    assert profile("m-1")["tier_since"] == "2026-03-01"
    # 2026-01-10's points leave on 2027-01-10, but the grace lasts until 2027-03-01.
    assert review_day("m-1") == "2027-03-01"

    early = run("tier_review", "2027-02-28 00:30")
    assert early["tier_reviews"] == 0 and tier("m-1") == "Silver"

    counts = run("tier_review", "2027-03-01 00:30")
    assert (counts["tier_reviews"], counts["tier_changes"], counts["failures"]) == (1, 1, 0)
    assert tier("m-1") == "Bronze"
    assert review_day("m-1") is None and "tier_since" not in profile("m-1")
    assert run("tier_review", "2027-03-01 00:30")["tier_reviews"] == 0  # a second run changes nothing


def test_a_member_still_supported_keeps_the_tier_and_gets_the_next_date(jobs: str) -> None:
    enroll("m-1")
    earn("m-1", "o-1", 1000, "2026-01-10 10:00")  # Silver at once, grace until 2027-01-10
    earn("m-1", "o-2", 1200, "2026-12-01 10:00")
    assert review_day("m-1") == "2027-01-10"
    counts = run("tier_review", "2027-01-10 00:30")
    assert (counts["tier_reviews"], counts["tier_changes"]) == (1, 0)
    assert tier("m-1") == "Silver"
    assert review_day("m-1") == "2027-12-01"  # when 2026-12-01's 1200 points leave the window
    assert "tier_since" not in profile("m-1")  # the grace is over
    run("tier_review", "2027-12-01 00:30")
    assert tier("m-1") == "Bronze"


def test_a_gold_member_with_little_left_moves_down_to_what_the_points_support(jobs: str) -> None:
    enroll("m-1")
    earn("m-1", "o-1", 5000, "2026-01-10 10:00")  # Gold
    earn("m-1", "o-2", 1100, "2026-09-01 10:00")  # earned at x1.5: 1650 points
    assert tier("m-1") == "Gold"
    run("tier_review", "2027-01-10 00:30")
    assert tier("m-1") == "Silver"
    assert review_day("m-1") == "2027-09-01"


def test_a_refund_brings_the_review_closer(jobs: str) -> None:
    enroll("m-1")
    earn("m-1", "o-1", 1000, "2026-01-10 10:00")
    earn("m-1", "o-2", 1000, "2026-06-01 10:00")
    clock.set_clock(lambda: at("2027-02-01 10:00"))
    run("tier_review", "2027-01-10 00:30")  # grace over, still 1000 qualifying: next review 2027-06-01
    assert review_day("m-1") == "2027-06-01"
    clock.set_clock(lambda: at("2027-02-02 10:00"))
    refunds.refund("o-2", RefundRequest.model_validate({"refund_id": "r-1", "amount_minor": 50_000}))
    assert review_day("m-1") == "2027-02-02"  # 500 qualifying left: due today
    run("tier_review", "2027-02-03 00:30")
    assert tier("m-1") == "Bronze"


def test_accrual_leaves_a_stored_review_alone_and_costs_the_same(jobs: str, aws: str) -> None:
    enroll("m-1")
    earn("m-1", "o-1", 1000, "2026-01-10 10:00")
    stored = profile("m-1")["GSI4PK"]
    clock.set_clock(lambda: at("2026-02-01 10:00"))
    with DynamoCalls() as calls:
        earn("m-1", "o-2", 50, "2026-02-01 10:00")
    assert calls.operations == ["Query", "TransactWriteItems"]
    if aws == "dynamodb-local":
        assert 0 < calls.write_units <= 6
    assert profile("m-1")["GSI4PK"] == stored


def test_enrollment_and_activity_keep_a_dormancy_check_on_the_member(jobs: str) -> None:
    enroll("m-1", when="2026-11-22 10:00")
    assert profile("m-1")["GSI3PK"] == keys.due_partition("DORMANT", "2027-02-20", keys.shard_of("m-1"))
    earn("m-1", "o-1", 100, "2026-12-01 10:00")  # the check stays where it is: a lower bound
    assert profile("m-1")["GSI3PK"].split("#")[2] == "2027-02-20"
