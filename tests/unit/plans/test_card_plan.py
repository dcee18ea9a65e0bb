"""The member card's steps, as the write loop hands them what it read (the member's pointer): no moto."""

from __future__ import annotations

import pytest

from loyalty.domain.cards import Card
from loyalty.domain.errors import Conflict
from loyalty.services.cards import plan_first, plan_replacement
from loyalty.store.write_loop import Done, Prepared

AT = "2026-11-30T12:00:00.000Z"
ADA = Card("ada", "AAAABBBBCCCC", "2026-01-10T12:00:00.000Z")


def test_a_member_with_a_card_keeps_it_and_nothing_is_written() -> None:
    assert plan_first(ADA, "ada", "NEWNEWNEWNEW", AT) == Done("AAAABBBBCCCC")


def test_a_member_without_one_gets_the_code_drawn_for_the_round() -> None:
    step = plan_first(None, "ada", "NEWNEWNEWNEW", AT)
    assert isinstance(step, Prepared) and step.answer == "NEWNEWNEWNEW"
    roles = [item.role for item in step.items]
    assert roles == ["guard", "pointer", "member"]  # the code's guard, the pointer, the member still active


def test_a_replacement_retires_the_old_code_in_the_same_transaction() -> None:
    step = plan_replacement(ADA, None, "ada", "NEWNEWNEWNEW", AT)
    assert isinstance(step, Prepared)
    card, issued = step.answer
    assert (card.card_code, issued) == ("NEWNEWNEWNEW", True)
    assert [item.role for item in step.items] == ["guard", "pointer", "member", "old_guard"]
    pointer = step.items[1].request["Put"]
    assert pointer["ConditionExpression"] == "card_code = :replaced"  # only from the card it read


def test_a_retried_replacement_answers_the_card_already_issued() -> None:
    replaced = Card("ada", "NEWNEWNEWNEW", AT, previous=("AAAABBBBCCCC",))
    step = plan_replacement(replaced, "AAAABBBBCCCC", "ada", "OTHEROTHEROT", AT)
    assert isinstance(step, Done)
    card, issued = step.answer
    assert (card.card_code, issued) == ("NEWNEWNEWNEW", False)


def test_a_code_that_was_never_the_members_is_refused() -> None:
    with pytest.raises(Conflict, match="not the member's card"):
        plan_replacement(ADA, "ZZZZZZZZZZZZ", "ada", "NEWNEWNEWNEW", AT)
