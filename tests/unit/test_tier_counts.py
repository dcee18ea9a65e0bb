"""Members per tier in the books (loyalty.domain.accounting): the counter a tier is booked under, the
moves of one write, the roll forward and the order a report lists them in."""

from __future__ import annotations

from decimal import Decimal

import pytest

from loyalty.domain import accounting as books


@pytest.mark.parametrize("tier", ["Gold", "Gold_p", "x2027-01", "r é #:.%", "a" * 64, "🥇 Or", "t#Silver"])
def test_any_tier_name_makes_a_plain_counter_read_back_exactly(tier: str) -> None:
    counter = books.tier_counter(tier)
    assert counter.startswith("t#") and counter[2:].isascii()
    assert all(c.isalnum() or c in "_.-~%" for c in counter[2:])  # no separator, space, '#' or ':' left
    assert books.tier_of(counter) == tier
    for other in ("members_new", "pending_p", "x2027-01_p", "r2027-01_c", "gap3"):
        assert books.tier_of(other) is None


def test_a_write_moves_a_member_out_of_one_tier_into_another() -> None:
    assert books.tier_moves(None, "Bronze") == {"t#Bronze": 1}  # enrollment
    assert books.tier_moves("Bronze", "Gold") == {"t#Bronze": -1, "t#Gold": 1}  # an upgrade
    assert books.tier_moves("Gold", None) == {"t#Gold": -1}  # an erasure
    assert books.tier_moves("Gold", "Gold") == {}  # no change books nothing


def test_the_roll_forward_sums_the_moves_and_forgets_empty_tiers() -> None:
    def day(counters: dict[str, int]) -> books.Day:
        return books.Day({}, {}, {name: Decimal(n) for name, n in counters.items()})

    start = books.Balance(tiers={"Bronze": 3, "Silver": 1})
    rolled = books.roll(start, [day({"t#Bronze": 1, "members_new": 1}), day({"t#Silver": -1, "t#Gold": 1})])
    assert rolled.tiers == {"Bronze": 4, "Gold": 1}
    assert rolled.members_total == 1


def test_a_report_lists_the_program_tiers_in_order_then_the_ones_it_no_longer_has() -> None:
    counts = {"Gold": 2, "Bronze": 5, "Platinum": 1, "Old": 3, "Gone": 0}
    assert books.members_by_tier(counts, ["Bronze", "Silver", "Gold"]) == [
        ("Bronze", 5),
        ("Silver", 0),
        ("Gold", 2),
        ("Old", 3),
        ("Platinum", 1),
    ]
