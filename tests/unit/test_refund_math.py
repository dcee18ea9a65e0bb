"""Refund arithmetic: exact shares, cumulative flooring, and bonuses only on a full refund."""

from __future__ import annotations

from fractions import Fraction

import pytest

from loyalty.domain.refunds import EarnedLine, Exceeds, RefundState, by_amount, by_lines
from tests.unit.refund_states import after

MICE = RefundState(
    points=100,
    net_total=Fraction(10_000),
    lines=[EarnedLine("MOUSE", 2, Fraction(50)), EarnedLine("PAD", 1, Fraction(50))],
)


def test_one_of_two_units_reverses_exactly_half_of_what_the_line_earned() -> None:
    assert by_lines(MICE, [("MOUSE", 1)]).points_reversed == 25


def test_thirds_add_up_to_the_whole_without_losing_a_point() -> None:
    state = RefundState(points=100, net_total=Fraction(300), lines=[EarnedLine("A", 3, Fraction(100))])
    reversed_total = 0
    for _ in range(3):
        plan = by_lines(state, [("A", 1)])
        reversed_total += plan.points_reversed
        state = after(state, plan)
    assert reversed_total == 100
    with pytest.raises(Exceeds):
        by_lines(state, [("A", 1)])


def test_a_campaign_bonus_is_taken_back_only_with_the_last_refund() -> None:
    state = RefundState(points=150, net_total=Fraction(10_000), lines=[EarnedLine("SOCK", 2, Fraction(100))])
    first = by_lines(state, [("SOCK", 1)])
    assert first.points_reversed == 50
    later = after(state, first)
    assert by_lines(later, [("SOCK", 1)]).points_reversed == 100


def test_amount_refunds_and_line_refunds_share_one_scale() -> None:
    half = by_amount(MICE, 5_000)
    assert half.points_reversed == 50
    later = after(MICE, half)
    with pytest.raises(Exceeds):
        by_amount(later, 5_001)
    assert by_amount(later, 5_000).points_reversed == 50
