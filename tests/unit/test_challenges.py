"""Challenges' rules (loyalty.domain.challenges) and their validation in the program."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from bench.aws_units import item_size
from harness.programs import program_document
from loyalty.domain import challenges as rules
from loyalty.domain.balances import Balances
from loyalty.domain.tiers import Qualifying
from loyalty.models.challenges import Challenge
from loyalty.models.program import Program
from loyalty.store import outbox
from loyalty.store.client import to_item
from loyalty.store.member_record import DueDays, MemberRecord

TODAY = date(2026, 11, 26)  # a Thursday


def challenge(**fields: Any) -> Challenge:
    return Challenge.model_validate({"challenge_id": "c", "label": "C", "kind": "orders", "goal": 3,
                                     "window_days": 30, "reward_points": 100, **fields})  # fmt: skip


def order(day: date = TODAY, spend: int = 1_000, *categories: str) -> rules.Order:
    return rules.Order(day, spend, frozenset(categories or ("shoes",)))


def run(c: Challenge, *orders: rules.Order, today: date = TODAY) -> tuple[rules.Progress, list[rules.Counted], int]:
    progress: dict[str, rules.Progress] = {}
    counted, completions = [], 0
    for o in orders:
        moved = rules.on_order([c], progress, o, {c.challenge_id: True}, today, 1)
        progress = moved.progress
        counted += list(moved.counted.values())
        completions += len(moved.completed)
    return progress.get(c.challenge_id, rules.Progress()), counted, completions


def test_orders_within_the_window_count_and_older_ones_drop_out() -> None:
    c = challenge(window_days=8)  # buckets of one day: exact
    p, _, _ = run(c, order(TODAY - timedelta(days=8)), order(TODAY - timedelta(days=7)), order())
    assert rules.count(c, p, TODAY) == 2
    assert rules.count(c, p, TODAY + timedelta(days=1)) == 1


def test_a_long_window_keeps_at_most_nine_buckets_and_counts_a_bucket_a_little_longer() -> None:
    c = challenge(window_days=366, goal=1000)
    p, _, _ = run(c, *(order(TODAY - timedelta(days=d)) for d in range(0, 400, 3)))
    assert len(p.marks) <= rules.BUCKETS + 1
    exact = len([d for d in range(0, 400, 3) if d < 366])
    assert exact <= rules.count(c, p, TODAY) <= exact + rules.bucket_days(366) // 3 + 1


def test_a_completion_happens_once_for_a_one_off_and_each_round_for_a_repeatable() -> None:
    assert run(challenge(), *(order() for _ in range(7)))[2] == 1
    p, _, done = run(challenge(repeatable=True), *(order() for _ in range(7)))
    assert done == 2 and p.done == 2 and rules.count(challenge(), p, TODAY) == 1


def test_undo_below_the_goal_reverses_the_reward_but_not_above_it() -> None:
    c = challenge()
    p, counted, _ = run(c, order(), order(), order(), order())
    kept = rules.undo(c, p, counted[0], 1, TODAY, full=True)
    assert kept.reversed_points == 0 and kept.progress.done == 1
    undone = rules.undo(c, kept.progress, counted[1], 1, TODAY, full=True)
    assert undone.reversed_points == 100 and undone.progress.done == 0 and undone.progress.at == 0


def test_categories_count_distinct_names_and_a_refund_removes_only_its_own() -> None:
    c = challenge(kind="categories", goal=3)
    p, counted, done = run(c, order(TODAY, 1, "shoes", "hats"), order(TODAY, 1, "shoes"), order(TODAY, 1, "bags"))
    assert rules.count(c, p, TODAY) == 3 and done == 1
    undone = rules.undo(c, p, counted[2], 1, TODAY, full=True)
    assert rules.count(c, undone.progress, TODAY) == 2 and undone.reversed_points == 100


def test_a_weekly_streak_runs_monday_to_sunday_and_survives_a_week_in_progress() -> None:
    c = challenge(kind="weekly_streak", goal=4, window_days=60)
    monday = TODAY - timedelta(days=TODAY.weekday())
    p, _, _ = run(c, order(monday - timedelta(days=8)), order(monday - timedelta(days=1)))  # Sunday last week
    assert rules.count(c, p, TODAY) == 2  # this week has no order yet: the streak holds
    assert rules.count(c, p, monday + timedelta(days=7)) == 0  # a whole week without one breaks it


def test_validation_refuses_duplicates_too_many_and_inconsistent_challenges() -> None:
    one = {"challenge_id": "c", "label": "C", "kind": "orders", "goal": 3, "window_days": 30, "reward_points": 1}
    Program.model_validate(program_document(challenges=[one]))
    bad = [
        [one, one],
        [{**one, "challenge_id": f"c{i}"} for i in range(11)],
        [{**one, "kind": "categories", "goal": 21}],
        [{**one, "kind": "weekly_streak", "goal": 5, "window_days": 30}],
        [{**one, "starts_at": "2026-12-01T00:00:00Z", "ends_at": "2026-11-01T00:00:00Z"}],
        [{**one, "kind": "visits"}],
        [{**one, "goal": 0}],
    ]
    for challenges in bad:
        with pytest.raises(ValidationError):
            Program.model_validate(program_document(challenges=challenges))


def test_the_member_item_stays_under_2_kb_with_ten_active_challenges_badges_and_memberships() -> None:
    """Ten challenges at their largest state (the most marks each kind keeps, big numbers), ten badges,
    three paid memberships (``ms``: wt24-perks' attribute, ~30 bytes each) on a member with a long email
    and name, all lots and qualifying buckets of a year: measured by DynamoDB's size rules."""
    kinds = ["orders", "spend_minor", "categories", "weekly_streak"] * 3
    progress: dict[str, rules.Progress] = {}
    for n, kind in enumerate(kinds[:10]):
        goal = {"orders": 1000, "spend_minor": 10**12, "categories": 20, "weekly_streak": 52}[kind]
        c = challenge(challenge_id=f"challenge-{n:02d}", kind=kind, goal=goal, window_days=366)
        state = rules.Progress()
        for d in range(0, 366, 2):
            state, _ = rules.add(c, state, order(TODAY - timedelta(days=d), 10**9, f"category-{d}"), TODAY)
        progress[c.challenge_id] = rules.Progress(1, 1_800_000_000, 1_000_000_000, state.marks)
    member = MemberRecord(
        member_id="member-" + "x" * 57,
        email="a-rather-long-address-of-someone@example-shop.com",
        name="Ada Augusta King, Countess of Lovelace",
        locale="en-GB",
        status="active",
        enrolled_at="2026-01-01T00:00:00.000Z",
        last_activity_at="2026-11-26T15:00:00.000Z",
        marketing_opt_in=True,
        referral_code="ADA-12345678",
        referred_by="BOB-12345678",
        tier="Gold",
        tier_since="2026-06-01",
        balances=Balances(123_456, 7_890, 9_999_999, 0),
        qualifying=Qualifying(7, 2900, tuple(range(1000, 1053))),
        due=DueDays(TODAY, TODAY, TODAY, TODAY),
        challenges=progress,
        badges={f"badge-number-{n:02d}": (1_800_000_000, 12) for n in range(10)},
        memberships={f"membership-{n}": "2027-11-26T00:00:00-05:00" for n in range(3)},
    )
    item = member.to_item()
    earned = [{"type": "points.earned", "data": {"order_id": "o-" + "x" * 60, "points": 1000}}]
    item["outbox"] = outbox.pack(earned, "2026-11-26T15:00:00.000Z")  # as the accrual leaves it
    size = item_size(to_item(item))  # type: ignore[arg-type]
    assert size < 2048, (size, item_size(to_item({"ch": item["ch"], "bd": item["bd"]})))  # type: ignore[arg-type]


def test_a_reward_credited_with_its_order_is_booked_as_issued_other_beside_the_sale() -> None:
    from decimal import Decimal

    from loyalty.domain import bookings

    booking = bookings.Booking("issued_sales", "2026-11-26", value=Decimal(1), source="sale", other={"2027-11-30": 500})
    books = bookings.books(booking, {"2027-11-30": 530}, {}, "Bronze", "Bronze")
    assert books.movement is not None and (books.movement.kind, books.movement.points) == ("issued_sales", 30)
    assert books.counters["issued_other_p"] == 500 and books.counters["x2027-11_p"] == 500
    assert sum(books.valued.values()) == 530  # the lot holds both, each portion with its source
    assert {portion.source for portion in books.valued} == {"sale", "other"}


def test_refunds_of_a_completed_rounds_orders_undo_its_completion_and_leave_the_open_round() -> None:
    c = challenge(goal=2, repeatable=True)
    p, counted, done = run(c, order(), order(), order())  # a round completed, the third order opens the next
    assert done == 1 and rules.count(c, p, TODAY) == 1
    first = rules.undo(c, p, counted[0], 1, TODAY, full=True)
    assert first.reversed_points == 100 and first.progress.done == 0
    second = rules.undo(c, first.progress, counted[1], 1, TODAY, full=True)
    assert second.reversed_points == 0 and rules.count(c, second.progress, TODAY) == 1  # the open round's order
    stored = rules.Progress.of(second.progress.numbers())
    assert stored == second.progress


def test_refunds_of_every_order_of_a_closed_round_take_its_reward_back_once_and_leave_the_next_round() -> None:
    c = challenge(goal=2, repeatable=True)
    p, counted, done = run(c, *(order() for _ in range(5)))  # rounds 0 and 1 completed, round 2 open
    assert done == 2 and p.done == 2 and p.round == 2
    first = rules.undo(c, p, counted[0], 1, TODAY, full=True)
    second = rules.undo(c, first.progress, counted[1], 1, TODAY, full=True)  # the same round's other order
    assert (first.reversed_points, second.reversed_points) == (100, 0)
    assert second.progress.done == 1  # round 1's completion stands: its orders were not refunded
    third = rules.undo(c, second.progress, counted[2], 1, TODAY, full=True)  # an order of round 1
    assert third.reversed_points == 100 and third.progress.done == 0
    assert rules.Progress.of(third.progress.numbers()) == third.progress


def test_an_undone_round_is_still_known_after_later_rounds_complete() -> None:
    c = challenge(goal=1, repeatable=True)
    p, counted, _ = run(c, order(), order())  # rounds 0 and 1
    p = rules.undo(c, p, counted[0], 1, TODAY, full=True).progress
    more = rules.on_order([c], {"c": p}, order(), {"c": True}, TODAY, 2)  # round 2 completes: bits move back
    again = rules.undo(c, more.progress["c"], counted[0], 1, TODAY, full=True)
    assert again.reversed_points == 0 and again.progress.done == 2
    assert rules.undo(c, again.progress, counted[1], 1, TODAY, full=True).reversed_points == 100


def test_progress_stored_before_undone_rounds_were_kept_reads_as_none_undone() -> None:
    marks = ((3, 1), (10, 2))
    older = [1, 1_700_000_000, 100, 4, 3, 1, 7, 2]  # done, at, paid, round, then gap/value pairs
    assert rules.Progress.of(older) == rules.Progress(1, 1_700_000_000, 100, marks, 4, 0)
    kept = rules.Progress(1, 1_700_000_000, 100, marks, 4, 0b101)
    assert rules.Progress.of(kept.numbers()) == kept and len(kept.numbers()) == len(older) + 1
