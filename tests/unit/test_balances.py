"""Balance policies: debt is paid first, reversals never push the available balance below zero."""

from __future__ import annotations

from loyalty.domain.balances import Balances, Lot, credit, reverse


def test_a_reversal_beyond_the_balance_becomes_debt_that_earnings_pay_first() -> None:
    spent = Balances(available=30, lifetime_earned=100, earned_by_day={"2026-11-22": 100})
    reversal = reverse(
        spent,
        100,
        order_pending=0,
        order_lot="2027-11-22",
        lots=[Lot("2027-11-22", available=30)],
        earned_day="2026-11-22",
        first_day="2025-11-23",
    )
    assert reversal.balances.available == 0
    assert reversal.to_debt == 70 and reversal.balances.debt == 70
    assert reversal.from_lots == {"2027-11-22": 30}
    paid = credit(reversal.balances, 50, pending=False, earned_day="2026-11-23", first_day="2025-11-23")
    assert (paid.debt_paid, paid.credited, paid.balances.debt, paid.balances.available) == (50, 0, 20, 0)
    more = credit(paid.balances, 50, pending=False, earned_day="2026-11-23", first_day="2025-11-23")
    assert (more.debt_paid, more.credited, more.balances.debt, more.balances.available) == (20, 30, 0, 30)


def test_reversed_points_leave_the_orders_own_lot_first_then_the_soonest_expiring() -> None:
    lots = [Lot("2027-01-01", available=10), Lot("2027-06-01", available=5), Lot("2027-03-01", available=50)]
    reversal = reverse(
        Balances(available=65),
        20,
        order_pending=0,
        order_lot="2027-06-01",
        lots=lots,
        earned_day="2026-06-01",
        first_day="2026-01-01",
    )
    assert reversal.from_lots == {"2027-06-01": 5, "2027-01-01": 10, "2027-03-01": 5}
    assert reversal.balances.available == 45 and reversal.to_debt == 0


def test_earned_days_outside_the_tier_window_are_dropped() -> None:
    old = Balances(earned_by_day={"2024-01-01": 500, "2026-11-01": 10})
    after = credit(old, 5, pending=True, earned_day="2026-11-22", first_day="2025-11-23")
    assert after.balances.earned_by_day == {"2026-11-01": 10, "2026-11-22": 5}
    assert after.balances.pending == 5
