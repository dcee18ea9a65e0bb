"""The takeover's plan (loyalty.domain.merges): everything moves, unchanged, and the entries carry the net."""

from __future__ import annotations

from datetime import date

import pytest

from loyalty.domain.balances import Balances
from loyalty.domain.merges import Unbalanced, plan


def test_everything_the_provisional_member_holds_moves_and_the_entries_carry_the_net() -> None:
    held = Balances(available=120, pending=30, lifetime_earned=200, debt=10)
    lots = {"2027-11-22": 100, "9999-12-31": 20}
    merge = plan(held, lots, date(2027, 1, 5), date(2027, 11, 22))
    assert merge.taker == held and merge.left == Balances()
    assert merge.lots == lots
    assert merge.entry_points == 120 + 30 - 10
    assert merge.tier_review == date(2027, 1, 5), "the sooner review: a lower bound for both"


def test_lots_that_disagree_with_the_balance_move_nothing() -> None:
    with pytest.raises(Unbalanced):
        plan(Balances(available=50), {"2027-11-22": 40}, None, None)
