"""The tier review's plan, as the write loop hands it the member it read: no moto."""

from __future__ import annotations

from datetime import date, timedelta

from harness.plans import job_run, member, state
from loyalty.domain import tiers
from loyalty.domain.accounting import tier_counter
from loyalty.domain.tiers import Qualifying
from loyalty.services.jobs.tier_reviews import Reviewed, Skipped, plan
from loyalty.store.member_record import DueDays
from loyalty.store.write_loop import Done, Planned, books_of

RUN = job_run("tier_review")
TODAY = RUN.today  # 15 June 2026
DUE = DueDays(tier_review=TODAY)


def earned(points: int, on: date) -> Qualifying:
    return tiers.earn(Qualifying(tiers.bucket_days(365)), on, points, TODAY, 365)


def test_a_tier_its_points_no_longer_support_moves_down_and_books_the_move() -> None:
    silver = member(tier="Silver", due=DUE, qualifying=earned(200, TODAY - timedelta(days=30)))
    planned = plan(state(silver), TODAY, RUN)
    assert isinstance(planned, Planned)
    assert planned.answer == Reviewed("Silver", "Bronze", planned.change.after.due.tier_review)
    assert planned.change.after.tier == "Bronze"
    assert [(event.type, event.data) for event in planned.change.events] == [
        ("tier.changed", {"from": "Silver", "to": "Bronze"})
    ]
    booked = books_of(planned.change)
    assert booked.movement is None and booked.day == "2026-06-15"
    assert booked.counters == {tier_counter("Silver"): -1, tier_counter("Bronze"): 1}


def test_a_tier_in_its_grace_stays_and_only_its_review_day_moves() -> None:
    graced = member(tier="Silver", tier_since="2026-03-01", due=DUE, qualifying=earned(200, TODAY))
    step = plan(state(graced), TODAY, RUN)
    assert isinstance(step, Done) and step.answer.moved_only
    assert step.answer.next_review == date(2027, 3, 1)  # the end of its grace


def test_a_grace_that_ends_on_a_supported_tier_is_dropped_without_a_tier_move() -> None:
    supported = member(tier="Silver", tier_since="2025-01-01", due=DUE, qualifying=earned(1500, TODAY))
    planned = plan(state(supported), TODAY, RUN)
    assert isinstance(planned, Planned)
    assert planned.change.after.tier == "Silver" and planned.change.after.tier_since is None
    assert planned.change.events == [] and books_of(planned.change).counters == {}


def test_the_base_tier_is_looked_at_again_a_window_later() -> None:
    step = plan(state(member(due=DUE)), TODAY, RUN)
    assert step == Done(Reviewed("Bronze", "Bronze", date(2027, 6, 15), moved_only=True))


def test_a_review_moved_since_the_index_was_read_or_a_member_gone_is_left_alone() -> None:
    assert plan(state(member(due=DueDays(tier_review=date(2026, 7, 1)))), TODAY, RUN) == Done(Skipped())
    assert plan(None, TODAY, RUN) == Done(Skipped())
    erased = member(status="erased", due=DUE)
    assert plan(state(erased), TODAY, RUN) == Done(Skipped(leaves=True))  # it leaves the index
