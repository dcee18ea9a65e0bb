"""Spending soonest-first from the months read: a read that stops where ``covered`` says takes exactly
what a read of every month takes (loyalty.store.member_reads.Spending relies on it)."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from loyalty.domain.spending import NotEnoughPoints, covered, take_soonest_first

TODAY = "2027-03-15"
DAYS = st.dates(min_value=date(2027, 1, 1), max_value=date(2028, 6, 30))
LOTS = st.dictionaries(DAYS.map(lambda day: day.isoformat()), st.integers(min_value=1, max_value=500), max_size=30)


def test_days_that_ended_and_months_not_read_do_not_count() -> None:
    lots = {"2027-03-14": 500, "2027-03-15": 100, "2027-04-30": 100, "2027-05-01": 500}
    assert covered(lots, 200, TODAY, "2027-04")
    assert not covered(lots, 201, TODAY, "2027-04")  # the 14th ended; May was not read
    assert covered(lots, 700, TODAY, "2027-05")


def test_the_days_left_to_show_are_those_read_after_the_spend_never_expiring_points_apart() -> None:
    lots = {"2027-03-20": 100, "2027-03-25": 100, "2027-04-02": 100, "9999-12-31": 500}
    assert covered(lots, 50, TODAY, "9999-12", shown=3)  # the 20th keeps 50
    assert not covered(lots, 100, TODAY, "9999-12", shown=3)  # the 20th emptied: two days left to show
    assert covered(lots, 100, TODAY, "9999-12", shown=2)


@given(lots=LOTS, points=st.integers(min_value=1, max_value=3000), through=DAYS)
def test_a_covered_read_takes_what_a_read_of_every_month_takes(
    lots: dict[str, int], points: int, through: date
) -> None:
    month = through.isoformat()[:7]
    read = {day: held for day, held in lots.items() if day[:7] <= month}
    if not covered(read, points, TODAY, month, shown=3):
        return
    assert take_soonest_first(read, points, TODAY) == take_soonest_first(lots, points, TODAY)
    # and the next three days with points left, as an answer lists them, are the same
    assert _next_days(read, points) == _next_days(lots, points)


def _next_days(lots: dict[str, int], points: int) -> list[str]:
    taken = take_soonest_first(lots, points, TODAY)
    left = sorted(day for day, held in lots.items() if day >= TODAY and held > taken.get(day, 0))
    return left[:3]


@given(lots=LOTS, points=st.integers(min_value=1, max_value=3000))
def test_covered_through_the_last_month_is_whether_the_points_can_be_spent(lots: dict[str, int], points: int) -> None:
    try:
        take_soonest_first(lots, points, TODAY)
        spendable = True
    except NotEnoughPoints:
        spendable = False
    assert covered(lots, points, TODAY, "9999-12") == spendable
