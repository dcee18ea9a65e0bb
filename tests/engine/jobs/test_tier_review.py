"""Tier review through the job: the review day a member waits on (a lower bound no accrual moves), the
grace of a tier reached by earning, the move down on the review day, and what refunds and enrollment
leave behind. Qualifying points count by week (365-day window: 53 weeks, Monday to Sunday)."""

from __future__ import annotations

from typing import Any

import pytest

from harness.counting import DynamoCalls
from loyalty.adapters import clock
from loyalty.models.order import RefundRequest
from loyalty.services import members, refunds
from loyalty.store import keys
from loyalty.store.client import dynamodb, from_item, table_name, to_item
from loyalty.store.member_record import MemberRecord
from tests.service.jobs.conftest import at, earn, enroll, profile, run

# The engine decides these outcomes (transactions, conditions, index queries): moto and DynamoDB Local.
pytestmark = pytest.mark.engine

ENROLLED = "2026-01-01 10:00"


def tier(member_id: str) -> str:
    return members.get(member_id).tier.name


def review_day(member_id: str) -> str | None:
    day = profile(member_id).get("GSI4SK")
    return str(day) if day else None


def test_reaching_a_tier_starts_a_grace_of_one_window_then_the_review_moves_the_member_down(jobs: str) -> None:
    enroll("m-1", when=ENROLLED)
    assert review_day("m-1") == "2027-01-01"  # no tier reached from enrollment on can need review sooner
    earn("m-1", "o-1", 600, "2026-01-10 10:00")
    earn("m-1", "o-2", 500, "2026-03-01 10:00")  # 1100 qualifying: Silver, from today
    assert tier("m-1") == "Silver"
    assert MemberRecord.from_item(profile("m-1")).tier_since == "2026-03-01"
    assert review_day("m-1") == "2027-01-01"  # accrual never moves it

    first = run("tier_review", "2027-01-01 00:30")  # found early: the grace lasts until 2027-03-01
    assert (first["tier_reviews"], first["tier_changes"]) == (1, 0)
    assert tier("m-1") == "Silver" and review_day("m-1") == "2027-03-01"
    assert run("tier_review", "2027-02-28 00:30")["tier_reviews"] == 0

    counts = run("tier_review", "2027-03-01 00:30")  # grace over; the week of 2026-02-23 left the window today
    assert (counts["tier_reviews"], counts["tier_changes"], counts["failures"]) == (1, 1, 0)
    assert tier("m-1") == "Bronze"
    assert "tier_since" not in profile("m-1")
    assert review_day("m-1") == "2028-02-29"  # the lowest tier: looked at again a window (365 days) later
    assert run("tier_review", "2027-03-01 00:31")["tier_reviews"] == 0  # a second run changes nothing


def test_a_member_still_supported_keeps_the_tier_until_its_points_leave(jobs: str) -> None:
    enroll("m-1", when=ENROLLED)
    earn("m-1", "o-1", 1000, "2026-01-10 10:00")  # Silver at once, grace until 2027-01-10
    earn("m-1", "o-2", 1200, "2026-12-01 10:00")  # x1.25: 1500 more
    counts = run("tier_review", "2027-01-01 00:30")
    assert (counts["tier_reviews"], counts["tier_changes"]) == (1, 0)
    # 2026-12-01 is in the week of 2026-11-30, which leaves the window 53 weeks later.
    assert tier("m-1") == "Silver" and review_day("m-1") == "2027-12-06"
    assert run("tier_review", "2027-12-05 00:30")["tier_reviews"] == 0
    run("tier_review", "2027-12-06 00:30")
    assert tier("m-1") == "Bronze" and "tier_since" not in profile("m-1")


def test_a_gold_member_with_little_left_moves_down_to_what_the_points_support(jobs: str) -> None:
    enroll("m-1", when=ENROLLED)
    earn("m-1", "o-1", 5000, "2026-01-10 10:00")  # Gold
    earn("m-1", "o-2", 1100, "2026-09-01 10:00")  # earned at x1.5: 1650 points
    assert tier("m-1") == "Gold"
    run("tier_review", "2027-01-11 00:30")  # the week of 2026-01-05 left the window today
    assert tier("m-1") == "Silver"
    assert review_day("m-1") == "2027-09-06"  # when the week of 2026-08-31 leaves it


def test_a_refund_brings_the_review_closer(jobs: str) -> None:
    enroll("m-1", when=ENROLLED)
    earn("m-1", "o-1", 1000, "2026-01-10 10:00")
    earn("m-1", "o-2", 1000, "2026-06-01 10:00")  # x1.25: 1250
    run("tier_review", "2027-01-11 00:30")  # grace over, 1250 qualifying: Silver until 2026-06-01's week leaves
    assert tier("m-1") == "Silver" and review_day("m-1") == "2027-06-07"
    clock.set_clock(lambda: at("2027-02-02 10:00"))
    refunds.refund("o-2", RefundRequest.model_validate({"refund_id": "r-1", "amount_minor": 50_000}))
    assert review_day("m-1") == "2027-02-02"  # 625 qualifying left: due today
    run("tier_review", "2027-02-03 00:30")
    assert tier("m-1") == "Bronze"


def test_accrual_leaves_the_review_day_alone_and_costs_the_same(jobs: str, aws: str) -> None:
    enroll("m-1", when=ENROLLED)
    earn("m-1", "o-1", 1000, "2026-01-10 10:00")
    stored = profile("m-1")["GSI4SK"]
    clock.set_clock(lambda: at("2026-02-01 10:00"))
    with DynamoCalls() as calls:
        earn("m-1", "o-2", 50, "2026-02-01 10:00")
    assert calls.operations == ["Query", "TransactWriteItems"]
    if aws == "dynamodb-local":
        assert 0 < calls.write_units <= 6  # three items, transactional: DynamoDB Local leaves index writes out
    assert profile("m-1")["GSI4SK"] == stored


def kept(key: dict[str, str]) -> dict[str, Any]:
    """The books map an item keeps (``booked``)."""
    found = dynamodb().get_item(TableName=table_name(), Key=to_item(key), ConsistentRead=True)["Item"]
    return dict(from_item(found)["booked"])


def test_enrollment_and_activity_keep_a_dormancy_check_on_the_member(jobs: str) -> None:
    enroll("m-1", when="2026-11-22 10:00")
    assert profile("m-1")["GSI3PK"] == keys.due_partition("DORMANT", keys.shard_of("m-1"))
    assert profile("m-1")["GSI3SK"] == "2027-02-20"
    earn("m-1", "o-1", 100, "2026-12-01 10:00")  # the check stays where it is: a lower bound
    assert profile("m-1")["GSI3SK"] == "2027-02-20"


def test_the_tier_counts_ride_in_the_transactions_that_change_a_tier(
    jobs: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An upgrading accrual writes the same items as any accrual (its order keeps the tier moves, which
    its stream record carries to the day items); the review's move down is the member and the record of
    what it booked (it has no ledger entry to keep it on), in one transaction."""
    from loyalty.store import transactions

    written: list[list[str]] = []
    real = transactions.run

    def spy(items: list[transactions.TxItem]) -> transactions.TxResult:
        written.append([item.role for item in items])
        return real(items)

    monkeypatch.setattr(transactions, "run", spy)
    enroll("m-1", when=ENROLLED)
    earn("m-1", "o-1", 600, "2026-01-10 10:00")  # Bronze still
    earn("m-1", "o-2", 500, "2026-03-01 10:00")  # Silver
    assert tier("m-1") == "Silver"
    assert written[1] == written[2] == ["entry", "member", "lot"]
    upgrade = kept(keys.order("o-2"))  # the order keeps what it booked; its stream record carries it
    assert upgrade["a"]["t#Silver"] == 1 and upgrade["a"]["t#Bronze"] == -1
    written.clear()
    run("tier_review", "2027-03-01 00:30")  # the move down found on its day (the grace is over)
    assert tier("m-1") == "Bronze"
    assert written == [["books_record", "member"]]
    record = kept(keys.books_record("m-1", int(profile("m-1")["version"])))  # BOOKED#<version>: no entry
    assert (record["d"], record["a"]) == ("2027-03-01", {"t#Silver": -1, "t#Bronze": 1})
    assert "books" not in profile("m-1")
