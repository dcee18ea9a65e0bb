"""Member cards without I/O: codes as a cashier types them, and what a replacement does."""

from __future__ import annotations

import pytest

from loyalty.adapters import randomness
from loyalty.domain import cards
from loyalty.domain.cards import AlreadyReplaced, Card, Issue, NotThisMembers

TYPED = ["K7M3QX9PZ2RT", "k7m3qx9pz2rt", "K7M3 QX9P Z2RT", "k7m3-qx9p-z2rt", " K7M3-QX9P Z2RT "]


@pytest.mark.parametrize("typed", TYPED)
def test_a_code_is_found_however_a_cashier_types_it(typed: str) -> None:
    assert cards.normalise(typed) == "K7M3QX9PZ2RT"


@pytest.mark.parametrize("typed", ["", "K7M3", "K7M3QX9PZ2RTK7M3QX", "K7M3QX9PZ2R0", "K7M3QX9PZ2R!", "K7M3QX9PZ2RO"])
def test_what_cannot_be_a_code_is_no_code(typed: str) -> None:
    assert cards.normalise(typed) is None


def test_new_codes_are_random_cards_of_the_documented_shape() -> None:
    codes = {randomness.code(cards.CARD_LENGTH) for _ in range(1000)}
    assert len(codes) == 1000
    assert all(cards.normalise(code) == code and len(code) == cards.CARD_LENGTH for code in codes)


NOW = "2026-11-30T12:00:00.000Z"
CURRENT = Card("m-1", "AAAAAAAAAAAA", "2026-01-01T00:00:00.000Z", ("BBBBBBBBBBBB",))


def test_a_first_card() -> None:
    plan = cards.plan_replacement(None, None, "m-1", "NEWNEWNEWNEW", NOW)
    assert plan == Issue(Card("m-1", "NEWNEWNEWNEW", NOW), replaced=None)


def test_a_replacement_retires_the_current_card_and_remembers_it() -> None:
    plan = cards.plan_replacement(CURRENT, None, "m-1", "NEWNEWNEWNEW", NOW)
    assert plan == Issue(Card("m-1", "NEWNEWNEWNEW", NOW, ("AAAAAAAAAAAA", "BBBBBBBBBBBB")), replaced="AAAAAAAAAAAA")
    assert cards.plan_replacement(CURRENT, "AAAAAAAAAAAA", "m-1", "NEWNEWNEWNEW", NOW) == plan


def test_a_retried_replacement_answers_the_card_its_first_attempt_issued() -> None:
    assert cards.plan_replacement(CURRENT, "BBBBBBBBBBBB", "m-1", "NEWNEWNEWNEW", NOW) == AlreadyReplaced(CURRENT)


def test_a_card_that_was_never_the_members_is_refused() -> None:
    assert cards.plan_replacement(CURRENT, "CCCCCCCCCCCC", "m-1", "NEWNEWNEWNEW", NOW) == NotThisMembers()
    assert cards.plan_replacement(None, "CCCCCCCCCCCC", "m-1", "NEWNEWNEWNEW", NOW) == NotThisMembers()


def test_only_the_last_few_replaced_codes_are_remembered() -> None:
    card = Card("m-1", "AAAAAAAAAAAA", NOW)
    for index in range(10):
        plan = cards.plan_replacement(card, None, "m-1", f"{'C' * 10}{index + 2:02d}", NOW)
        assert isinstance(plan, Issue)
        card = plan.card
    assert len(card.previous) == cards.PREVIOUS_KEPT and card.previous[0] == "CCCCCCCCCC10"
