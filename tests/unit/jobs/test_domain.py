"""The pure rules of the daily jobs: the days a member is due on, what expires, tier reviews, dormancy,
cooldown and what an email shows."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from loyalty.domain import due_dates, reengagement, tier_review
from loyalty.domain.tiers import Qualifying, TierLevel, bucket_days, drop_day
from loyalty.domain.tiers import earn as earn_points

BRONZE = TierLevel("Bronze", 0, Decimal(1))
SILVER = TierLevel("Silver", 1000, Decimal("1.25"))
GOLD = TierLevel("Gold", 5000, Decimal("1.5"))
LEVELS = [BRONZE, SILVER, GOLD]
D = date.fromisoformat


# --- due days -----------------------------------------------------------------------------------------


def test_a_run_on_a_day_expires_every_day_before_it() -> None:
    assert due_dates.expiry_through(D("2027-11-23")) == D("2027-11-22")
    lots = {"2027-11-20": 5, "2027-11-21": 0, "2027-11-22": 7, "2027-11-23": 9, "9999-12-31": 4}
    assert due_dates.ended(lots, D("2027-11-22")) == {"2027-11-20": 5, "2027-11-22": 7}


@pytest.mark.parametrize(
    ("held", "member", "expired"),
    [(300, 500, 300), (300, 120, 120), (0, 500, 0), (-5, 500, 0), (300, 0, 0)],
)
def test_what_is_left_on_a_day_expires_never_more_than_the_balance(held: int, member: int, expired: int) -> None:
    assert due_dates.points_to_expire(held, member) == expired


def test_the_earliest_expiry_of_points_earned_from_today_allows_for_orders_placed_a_while_ago() -> None:
    assert due_dates.earliest_expiry(D("2026-11-22"), 12, 30) == D("2027-10-23")
    assert due_dates.earliest_expiry(D("2026-03-31"), 1, 30) == D("2026-04-01")
    assert due_dates.earliest_expiry(D("2026-11-22"), None, 30) is None  # points that never expire


@pytest.mark.parametrize(
    ("current", "days", "after"),
    [
        (None, ["2027-11-22"], "2027-11-22"),  # the first points a member gets
        ("2027-10-23", ["2027-11-22"], "2027-10-23"),  # later than the lower bound: left alone
        ("2027-11-22", ["2027-11-01", "2027-12-01"], "2027-11-01"),  # sooner ones move it
        ("2027-11-22", ["9999-12-31"], "2027-11-22"),  # never-expiring points are not scheduled
        (None, ["9999-12-31"], None),
    ],
)
def test_a_write_moves_the_expiry_day_only_when_its_points_come_sooner(
    current: str | None, days: list[str], after: str | None
) -> None:
    moved = due_dates.sooner(D(current) if current else None, days)
    assert (moved.isoformat() if moved else None) == after


def test_the_soonest_day_with_points() -> None:
    assert due_dates.soonest_with_points({"2027-12-01": 5, "2027-11-25": 0, "9999-12-31": 4}) == D("2027-12-01")
    assert due_dates.soonest_with_points({"9999-12-31": 4}) is None


def test_the_next_reminder_is_the_notice_before_the_first_day_not_reminded_of() -> None:
    lots = {"2027-11-22": 500, "2027-12-10": 40, "2028-03-01": 7, "9999-12-31": 3}
    today = D("2027-11-08")
    fallback = D("2028-09-24")
    assert due_dates.next_reminder(lots, None, today, 14, cooldown_ends=None, fallback=fallback) == D("2027-11-09")
    assert due_dates.next_reminder(lots, "2027-11-22", today, 14, cooldown_ends=None, fallback=fallback) == D(
        "2027-11-26"
    )
    # Not before the cooldown ends.
    assert due_dates.next_reminder(
        lots, "2027-11-22", today, 14, cooldown_ends=D("2027-12-01"), fallback=fallback
    ) == D("2027-12-01")
    # Nothing left to remind of: the lower bound for points earned later.
    assert due_dates.next_reminder(lots, "2028-03-01", today, 14, cooldown_ends=None, fallback=fallback) == fallback


def test_new_points_bring_a_reminder_closer_only_for_members_who_have_one() -> None:
    assert due_dates.reminder_for_new_points(D("2027-11-08"), ["2027-11-10"], 14) == D("2027-10-27")
    assert due_dates.reminder_for_new_points(D("2027-11-08"), ["2028-11-10"], 14) == D("2027-11-08")
    assert due_dates.reminder_for_new_points(None, ["2027-11-10"], 14) is None  # not opted in


def test_dormancy_and_tier_review_start_a_period_after_enrollment() -> None:
    assert due_dates.first_dormancy_check(D("2026-11-22"), 90) == D("2027-02-20")
    assert due_dates.dormancy_recheck(D("2027-02-20"), 90) == D("2027-05-21")
    assert due_dates.first_tier_review(D("2026-11-22"), 365) == D("2027-11-22")


# --- tier review -------------------------------------------------------------------------------------


def earned(points_by_day: dict[str, int], today: str, window: int = 365) -> Qualifying:
    buckets = Qualifying(bucket_days(window))
    for day, points in points_by_day.items():
        buckets = earn_points(buckets, D(day), points, D(today), window)
    return buckets


def test_the_review_day_is_when_qualifying_points_would_drop_below_the_threshold() -> None:
    buckets = earned({"2026-01-10": 600, "2026-03-01": 500, "2026-06-01": 300}, "2026-07-01")
    # Without the week of 2026-01-05 (600 points, gone on 2027-01-11) 800 remain: below Silver's 1000.
    assert drop_day(buckets, 1000, D("2026-07-01"), 365) == D("2027-01-11")
    # Gold is not supported even today.
    assert drop_day(buckets, 5000, D("2026-07-01"), 365) == D("2026-07-01")


def test_grace_keeps_a_tier_reached_by_earning_for_a_whole_window() -> None:
    buckets = earned({"2026-01-10": 1000}, "2026-06-01")
    review = tier_review.review(SILVER, buckets, D("2027-01-10"), 365, LEVELS, tier_since="2026-06-01")
    assert (review.tier, review.changed, review.next_review) == (SILVER, False, D("2027-06-01"))
    after_grace = tier_review.review(SILVER, buckets, D("2027-06-01"), 365, LEVELS, tier_since="2026-06-01")
    assert (after_grace.tier, after_grace.changed) == (BRONZE, True)
    assert after_grace.next_review == D("2028-05-31") and after_grace.tier_since is None


def test_a_review_moves_down_to_the_supported_tier_several_steps_at_once() -> None:
    buckets = earned({"2026-01-10": 4500, "2026-09-01": 1200}, "2026-09-01")
    review = tier_review.review(GOLD, buckets, D("2027-01-11"), 365, LEVELS, tier_since=None)
    assert (review.tier, review.changed) == (SILVER, True)
    assert review.next_review == D("2027-09-06") and review.tier_since is None  # no grace after moving down
    nothing = tier_review.review(GOLD, Qualifying(7), D("2027-01-10"), 365, LEVELS, tier_since=None)
    assert (nothing.tier, nothing.changed) == (BRONZE, True)


def test_an_early_review_keeps_the_tier_and_gives_the_next_date() -> None:
    buckets = earned({"2026-01-10": 600, "2026-12-01": 600}, "2026-12-01")
    review = tier_review.review(SILVER, buckets, D("2027-01-05"), 365, LEVELS, tier_since=None)
    assert (review.tier, review.changed, review.next_review) == (SILVER, False, D("2027-01-11"))


def test_the_lowest_tier_is_looked_at_again_a_window_later() -> None:
    review = tier_review.review(BRONZE, earned({"2026-01-10": 50}, "2026-01-10"), D("2027-01-05"), 365, LEVELS, None)
    assert (review.changed, review.next_review) == (False, D("2028-01-05"))


def test_next_review_is_the_later_of_grace_and_drop() -> None:
    buckets = earned({"2026-01-10": 1000}, "2026-02-01")
    today = D("2026-02-01")
    assert tier_review.next_review(buckets, SILVER, today, 365, "2026-01-10", BRONZE) == D("2027-01-11")
    assert tier_review.next_review(buckets, SILVER, today, 365, "2026-12-01", BRONZE) == D("2027-12-01")
    assert tier_review.next_review(buckets, SILVER, today, 365, None, BRONZE) == D("2027-01-11")


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
