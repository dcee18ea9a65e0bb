"""The split of a campaign's budget into shares (loyalty.domain.budget_shares): how many, which share an
order takes from, what it takes when its share is short, and a budget changed with what was spent kept."""

from __future__ import annotations

from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from loyalty.domain.budget_shares import MAX_SHARES, Share, available, preference, resplit, shares_for, take


def test_a_budget_is_split_in_sixteen_shares_or_fewer_so_that_each_holds_four_bonuses() -> None:
    assert shares_for(250, 100) == 1  # the documented launch campaign: the single counter it always was
    assert shares_for(1_000, 100) == 2
    assert shares_for(6_400, 100) == 16
    assert shares_for(1_000_000, 100) == MAX_SHARES
    assert shares_for(50, 100) == 1


def test_an_order_picks_the_same_shares_on_every_retry_and_orders_spread_evenly() -> None:
    assert preference("o-1", 16) == preference("o-1", 16)
    assert sorted(preference("o-1", 16)) == list(range(16))
    homes = Counter(preference(f"o-{i}", 16)[0] for i in range(16_000))
    assert set(homes) == set(range(16))
    assert max(homes.values()) < 1.15 * 1_000 and min(homes.values()) > 0.85 * 1_000
    # The orders of a share that ran out go on to every other share, not to one neighbour.
    seconds = Counter(preference(f"o-{i}", 16)[1] for i in range(16_000) if preference(f"o-{i}", 16)[0] == 0)
    assert set(seconds) == set(range(1, 16))


def test_an_order_takes_its_bonus_from_its_share_when_nothing_says_it_is_short() -> None:
    assert take(100, [3, 0, 1, 2], {}) == {3: 100}
    assert take(100, [3, 0, 1, 2], {3: 250, 0: 0}) == {3: 100}


def test_a_share_known_short_gives_what_it_holds_and_the_next_shares_the_rest() -> None:
    assert take(100, [3, 0, 1, 2], {3: 30}) == {3: 30, 0: 70}
    assert take(100, [3, 0, 1, 2], {3: 30, 0: 0, 1: 50}) == {3: 30, 1: 50, 2: 20}
    assert take(100, [3, 0, 1, 2], {3: 30, 0: 0, 1: 50, 2: 5}) == {3: 30, 1: 50, 2: 5}
    assert available(100, [3, 0, 1, 2], {3: 30, 0: 0, 1: 50, 2: 5}) == 85  # a partial bonus, limited
    assert take(100, [3, 0], {3: 0, 0: 0}) == {}
    assert available(100, [3, 0], {3: -40, 0: 0}) == 0  # a share below 0 (a lowered budget) gives nothing


@given(points=st.integers(0, 500), known=st.dictionaries(st.integers(0, 15), st.integers(-100, 300)))
def test_an_order_never_takes_more_than_a_share_is_known_to_hold_nor_more_than_its_bonus(
    points: int, known: dict[int, int]
) -> None:
    order = preference("o-7", 16)
    taken = take(points, order, known)
    assert sum(taken.values()) <= points
    assert all(0 < part <= known.get(share, points) for share, part in taken.items())
    # What it expects is what it takes: a bonus cut to what is available is then taken in full.
    expected = available(points, order, known)
    assert sum(take(expected, order, known).values()) == expected


def test_a_new_budget_is_spread_evenly_over_its_shares() -> None:
    assert resplit(1_000, 3, {}) == {0: Share(0, 334), 1: Share(0, 333), 2: Share(0, 333)}


def test_a_raised_budget_keeps_what_each_share_spent_and_spreads_what_is_left() -> None:
    before = {0: Share(100, 0), 1: Share(80, 20)}  # 200 in 2 shares, 180 given
    after = resplit(1_000, 4, before)
    assert {i: s.spent for i, s in after.items()} == {0: 100, 1: 80, 2: 0, 3: 0}
    assert [s.left for s in after.values()] == [205, 205, 205, 205]
    assert sum(s.spent + s.left for s in after.values()) == 1_000


def test_a_lowered_budget_takes_back_what_the_shares_beyond_the_new_count_had_left() -> None:
    before = {i: Share(50, 350) for i in range(4)}  # 1,600 in 4 shares, 200 given
    after = resplit(600, 2, before)
    assert after == {0: Share(50, 200), 1: Share(50, 200), 2: Share(50, 0), 3: Share(50, 0)}


def test_a_budget_lowered_below_what_was_given_leaves_each_share_owing_its_part() -> None:
    before = {0: Share(300, 0), 1: Share(100, 0)}
    after = resplit(200, 1, before)
    assert after == {0: Share(300, -150), 1: Share(100, -50)}  # 200 too much, owed as each gave
    # The single counter of before the split counts as given: nothing left of a budget it spent.
    assert resplit(500, 2, {}, other_spent=500) == {0: Share(0, 0), 1: Share(0, 0)}
    assert resplit(400, 2, {}, other_spent=500) == {0: Share(0, -100), 1: Share(0, 0)}


@given(
    budget=st.integers(0, 10_000),
    count=st.integers(1, MAX_SHARES),
    spent=st.lists(st.integers(0, 2_000), max_size=MAX_SHARES),
    legacy=st.integers(0, 500),
)
def test_a_resplit_adds_up_to_the_budget_and_gives_no_share_more_than_the_budget_allows(
    budget: int, count: int, spent: list[int], legacy: int
) -> None:
    before = {i: Share(s, 0) for i, s in enumerate(spent)}
    after = resplit(budget, count, before, legacy)
    assert legacy + sum(s.spent + s.left for s in after.values()) == budget
    assert all(after[i].spent == s for i, s in enumerate(spent))  # what was given stays given
    given_total = legacy + sum(spent)
    assert sum(max(s.left, 0) for s in after.values()) == max(budget - given_total, 0)
    assert all(s.left <= 0 for i, s in after.items() if i >= count)  # no order is sent there
