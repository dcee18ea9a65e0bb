"""Balance policies: debt is paid first, reversals take pending points first, then the order's own
expiry day, then the soonest, and never push the available balance below zero."""

from __future__ import annotations

from loyalty.domain.balances import Balances, credit, reverse


def test_a_reversal_beyond_the_balance_becomes_debt_that_earnings_pay_first() -> None:
    spent = Balances(available=30, lifetime_earned=100)
    reversal = reverse(spent, 100, order_pending=0, order_day="2027-11-22", lots={"2027-11-22": 30})
    assert reversal.balances.available == 0
    assert reversal.to_debt == 70 and reversal.balances.debt == 70
    assert reversal.from_lots == {"2027-11-22": 30}
    paid = credit(reversal.balances, 50, pending=False)
    assert (paid.debt_paid, paid.credited, paid.balances.debt, paid.balances.available) == (50, 0, 20, 0)
    more = credit(paid.balances, 50, pending=False)
    assert (more.debt_paid, more.credited, more.balances.debt, more.balances.available) == (20, 30, 0, 30)


def test_reversed_points_leave_the_orders_own_day_first_then_the_soonest_expiring() -> None:
    lots = {"2027-01-01": 10, "2027-06-01": 5, "2027-03-01": 50}
    reversal = reverse(Balances(available=65), 20, order_pending=0, order_day="2027-06-01", lots=lots)
    assert reversal.from_lots == {"2027-06-01": 5, "2027-01-01": 10, "2027-03-01": 5}
    assert reversal.balances.available == 45 and reversal.to_debt == 0


def test_a_reversal_takes_the_orders_pending_points_before_any_available_ones() -> None:
    balances = Balances(available=40, pending=100, lifetime_earned=140)
    reversal = reverse(balances, 120, order_pending=100, order_day="2027-06-01", lots={"2027-01-01": 40})
    assert (reversal.from_pending, reversal.from_lots, reversal.to_debt) == (100, {"2027-01-01": 20}, 0)
    assert (reversal.balances.pending, reversal.balances.available) == (0, 20)


def test_pending_credits_wait_apart_from_available_points() -> None:
    after = credit(Balances(available=10), 5, pending=True)
    assert (after.balances.pending, after.balances.available, after.balances.lifetime_earned) == (5, 10, 5)
