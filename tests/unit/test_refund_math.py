"""Refund arithmetic: exact shares, cumulative flooring, and bonuses only on a full refund."""

from __future__ import annotations

from fractions import Fraction

import pytest

from loyalty.domain.refunds import EarnedLine, Exceeds, RefundState, by_amount, by_lines

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
        state = RefundState(
            state.points,
            state.net_total,
            state.lines,
            plan.reversed_total,
            plan.refunded_share,
            plan.refunded_value,
            plan.refunded_qty,
        )
    assert reversed_total == 100
    with pytest.raises(Exceeds):
        by_lines(state, [("A", 1)])


def test_a_campaign_bonus_is_taken_back_only_with_the_last_refund() -> None:
    state = RefundState(points=150, net_total=Fraction(10_000), lines=[EarnedLine("SOCK", 2, Fraction(100))])
    first = by_lines(state, [("SOCK", 1)])
    assert first.points_reversed == 50
    after = RefundState(
        150,
        state.net_total,
        state.lines,
        first.reversed_total,
        first.refunded_share,
        first.refunded_value,
        first.refunded_qty,
    )
    assert by_lines(after, [("SOCK", 1)]).points_reversed == 100


def test_amount_refunds_and_line_refunds_share_one_scale() -> None:
    half = by_amount(MICE, 5_000)
    assert half.points_reversed == 50
    after = RefundState(
        100,
        MICE.net_total,
        MICE.lines,
        half.reversed_total,
        half.refunded_share,
        half.refunded_value,
        half.refunded_qty,
    )
    with pytest.raises(Exceeds):
        by_amount(after, 5_001)
    assert by_amount(after, 5_000).points_reversed == 50
