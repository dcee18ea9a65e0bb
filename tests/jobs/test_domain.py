"""The pure rules of the daily jobs: which buckets a run reads, what expires, tier reviews, dormancy,
cooldown and what an email shows."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from loyalty.domain import due_work, reengagement, tier_review
from loyalty.domain.tiers import TierLevel

BRONZE = TierLevel("Bronze", 0, Decimal(1))
SILVER = TierLevel("Silver", 1000, Decimal("1.25"))
GOLD = TierLevel("Gold", 5000, Decimal("1.5"))
LEVELS = [BRONZE, SILVER, GOLD]
D = date.fromisoformat


# --- buckets -----------------------------------------------------------------------------------------


def test_a_run_reads_its_target_and_the_catch_up_days_before_it_oldest_first() -> None:
    assert due_work.window(D("2027-11-22"), 2) == [D("2027-11-20"), D("2027-11-21"), D("2027-11-22")]
    assert due_work.window(D("2027-11-22"), 0) == [D("2027-11-22")]
    assert due_work.window(D("2027-11-22"), 3, not_before=D("2027-11-21")) == [D("2027-11-21"), D("2027-11-22")]


def test_each_job_targets_its_own_day() -> None:
    today = D("2027-11-23")
    assert due_work.maturing_target(today) == today  # pending points mature at the start of their day
    assert due_work.expiry_target(today) == D("2027-11-22")  # a lot ends at the end of its day
    assert due_work.reminder_target(today, 14) == D("2027-12-07")


@pytest.mark.parametrize(
    ("lot", "member", "expired"),
    [(300, 500, 300), (300, 120, 120), (0, 500, 0), (-5, 500, 0), (300, 0, 0)],
)
def test_what_is_left_in_a_lot_expires_never_more_than_the_balance(lot: int, member: int, expired: int) -> None:
    assert due_work.points_to_expire(lot, member) == expired


def test_the_expiry_schedule_holds_available_points_by_day_and_never_the_points_that_never_expire() -> None:
    lots = [("2027-11-22", 500), ("2027-11-23", 0), ("9999-12-31", 40), ("2027-11-22", 5), ("2028-01-01", 7)]
    assert due_work.expiry_schedule(lots) == {"2027-11-22": 505, "2028-01-01": 7}
    assert due_work.expiring_by({"2027-11-23": 1, "2027-11-21": 2, "2027-11-24": 3}, "2027-11-23") == {
        "2027-11-21": 2,
        "2027-11-23": 1,
    }


@pytest.mark.parametrize(
    ("schedule", "current", "bucket"),
    [
        ({}, "2027-11-22", None),  # nothing left to expire: out of the index
        ({"2027-12-01": 5, "2027-11-25": 1}, None, "2027-11-25"),  # the soonest day
        ({"2027-11-25": 1}, "2027-11-22", "2027-11-25"),  # moved on when the sooner points were spent
        ({"2027-11-20": 1}, "2027-11-20", "2027-11-20"),  # ended, waiting for the run that settles it
        ({"2027-11-20": 1}, "2027-12-01", "2027-11-22"),  # given back to an ended lot: today's bucket
        ({"2027-11-20": 1}, None, "2027-11-22"),
    ],
)
def test_a_member_waits_in_the_bucket_of_its_soonest_points_or_today_for_ended_ones_given_back(
    schedule: dict[str, int], current: str | None, bucket: str | None
) -> None:
    assert due_work.expiry_due_day(schedule, D("2027-11-22"), current) == bucket


# --- tier review -------------------------------------------------------------------------------------


def test_the_review_day_is_when_qualifying_points_would_drop_below_the_threshold() -> None:
    earned = {"2026-01-10": 600, "2026-03-01": 500, "2026-06-01": 300}  # 1400 in the window
    # Without 2026-01-10's 600 points (gone on 2027-01-10) 800 remain: below Silver's 1000.
    assert tier_review.drop_day(earned, 1000, D("2026-07-01"), 365) == D("2027-01-10")
    # Gold is not supported even today.
    assert tier_review.drop_day(earned, 5000, D("2026-07-01"), 365) == D("2026-07-01")
    # Days already out of the window do not count.
    assert tier_review.drop_day({"2025-01-01": 5000, "2026-06-01": 1000}, 1000, D("2026-07-01"), 365) == D("2027-06-01")


def test_grace_keeps_a_tier_reached_by_earning_for_a_whole_window() -> None:
    earned = {"2026-01-10": 1000}
    review = tier_review.review(SILVER, earned, D("2027-01-10"), 365, LEVELS, tier_since="2026-06-01")
    assert (review.tier, review.changed, review.next_review) == (SILVER, False, D("2027-06-01"))
    after_grace = tier_review.review(SILVER, earned, D("2027-06-01"), 365, LEVELS, tier_since="2026-06-01")
    assert (after_grace.tier, after_grace.changed, after_grace.next_review) == (BRONZE, True, None)


def test_a_review_moves_down_to_the_supported_tier_several_steps_at_once() -> None:
    earned = {"2026-01-10": 4500, "2026-09-01": 1200}
    review = tier_review.review(GOLD, earned, D("2027-01-10"), 365, LEVELS, tier_since=None)
    assert (review.tier, review.changed) == (SILVER, True)
    assert review.next_review == D("2027-09-01") and review.tier_since is None  # no grace after moving down
    nothing = tier_review.review(GOLD, {}, D("2027-01-10"), 365, LEVELS, tier_since=None)
    assert (nothing.tier, nothing.changed, nothing.next_review) == (BRONZE, True, None)


def test_an_early_review_keeps_the_tier_and_gives_the_next_date() -> None:
    earned = {"2026-01-10": 600, "2026-12-01": 600}
    review = tier_review.review(SILVER, earned, D("2027-01-05"), 365, LEVELS, tier_since=None)
    assert (review.tier, review.changed, review.next_review) == (SILVER, False, D("2027-01-10"))


def test_the_lowest_tier_is_never_reviewed() -> None:
    review = tier_review.review(BRONZE, {"2026-01-10": 50}, D("2027-01-05"), 365, LEVELS, tier_since=None)
    assert (review.changed, review.next_review) == (False, None)


def test_next_review_is_the_later_of_grace_and_drop() -> None:
    earned = {"2026-01-10": 1000}
    assert tier_review.next_review(earned, SILVER, D("2026-02-01"), 365, "2026-01-10") == D("2027-01-10")
    assert tier_review.next_review(earned, SILVER, D("2026-02-01"), 365, "2026-12-01") == D("2027-12-01")
    assert tier_review.next_review(earned, SILVER, D("2026-02-01"), 365, None) == D("2027-01-10")


# --- dormancy, cooldown, reminders --------------------------------------------------------------------


def _dormant(today: str, last_activity: str, **overrides: object) -> reengagement.DormantStep:
    settings: dict[str, object] = {
        "dormant_after_days": 90,
        "opted_in": True,
        "available": 500,
        "min_points": 100,
        "last_email_on": None,
        "cooldown_days": 7,
        **overrides,
    }
    return reengagement.dormant_step(D(today), D(last_activity), **settings)  # type: ignore[arg-type]


def test_dormancy_starts_dormant_after_days_after_the_last_activity() -> None:
    assert _dormant("2027-02-19", "2026-11-22") == reengagement.DormantStep("wait", D("2027-02-20"))
    assert _dormant("2027-02-20", "2026-11-22") == reengagement.DormantStep("send")


def test_dormant_members_who_cannot_be_emailed_are_dropped_until_they_come_back() -> None:
    assert _dormant("2027-02-20", "2026-11-22", opted_in=False).action == "drop"
    assert _dormant("2027-02-20", "2026-11-22", available=99).action == "drop"
    assert _dormant("2027-02-20", "2026-11-22", available=100).action == "send"


def test_the_cooldown_defers_a_dormant_email_to_its_end() -> None:
    step = _dormant("2027-02-20", "2026-11-22", last_email_on=D("2027-02-17"))
    assert step == reengagement.DormantStep("wait", D("2027-02-24"))
    assert _dormant("2027-02-24", "2026-11-22", last_email_on=D("2027-02-17")).action == "send"
    assert _dormant("2027-02-20", "2026-11-22", last_email_on=D("2027-02-20"), cooldown_days=0).action == "send"


def test_cooldown_arithmetic() -> None:
    assert reengagement.cooled_down(None, D("2027-01-01"), 7)
    assert not reengagement.cooled_down(D("2027-01-01"), D("2027-01-07"), 7)
    assert reengagement.cooled_down(D("2027-01-01"), D("2027-01-08"), 7)
    assert reengagement.cooldown_cutoff(D("2027-01-08"), 7) == D("2027-01-01")
    assert reengagement.cooldown_cutoff(D("2027-01-08"), 0) is None


def test_a_reminder_goes_once_per_expiry_date_and_only_to_opted_in_members() -> None:
    base = {"opted_in": True, "reminded_until": None, "last_email_on": None, "cooldown_days": 7}
    today = D("2027-11-08")
    assert reengagement.reminder_wanted(today, "2027-11-22", **base)  # type: ignore[arg-type]
    assert not reengagement.reminder_wanted(today, "2027-11-22", **{**base, "opted_in": False})  # type: ignore[arg-type]
    assert not reengagement.reminder_wanted(today, "2027-11-22", **{**base, "reminded_until": "2027-11-22"})  # type: ignore[arg-type]
    assert reengagement.reminder_wanted(today, "2027-11-23", **{**base, "reminded_until": "2027-11-22"})  # type: ignore[arg-type]
    assert not reengagement.reminder_wanted(today, "2027-11-22", **{**base, "last_email_on": D("2027-11-05")})  # type: ignore[arg-type]


# --- what an email shows -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("points", "value", "currency", "shown"),
    [
        (350, "1", "USD", "3.50 USD"),
        (350, "0.5", "EUR", "1.75 EUR"),
        (3, "0.5", "EUR", "0.01 EUR"),  # 1.5 cents: never rounded up
        (1234567, "1", "USD", "12,345.67 USD"),
        (350, "1", "JPY", "350 JPY"),
        (350, "10", "KWD", "3.500 KWD"),
    ],
)
def test_money_is_points_times_point_value_in_the_currency_digits(
    points: int, value: str, currency: str, shown: str
) -> None:
    assert reengagement.format_money(reengagement.money_minor(points, Decimal(value)), currency) == shown


def test_days_read_the_same_everywhere() -> None:
    assert reengagement.format_day(D("2027-11-02")) == "2 November 2027"
