"""The adjustment's plan, as the write loop hands it what it read: no moto, no table."""

from __future__ import annotations

import pytest

from harness.plans import NOW, member, program, state
from loyalty.domain.errors import InsufficientPoints
from loyalty.models.adjustment import AdjustmentRequest
from loyalty.services.adjustments import Actor, plan
from loyalty.store.entries import AdjustmentRecord
from loyalty.store.write_loop import books_of

ACTOR = Actor("key-1", "support desk")


def adjustment(points: int, reason: str = "goodwill") -> AdjustmentRequest:
    return AdjustmentRequest.model_validate({"adjustment_id": "adj-1", "points": points, "reason": reason})


def test_a_credit_lands_on_the_expiry_day_of_points_earned_today() -> None:
    planned = plan("m-1", adjustment(250), ACTOR, program(), NOW, state(member()))
    change = planned.change
    # Earned on 15 June 2026 (New York), kept 12 months: they end on 15 June 2027.
    assert change.lot_deltas == {"2027-06-15": 250}
    assert change.after.balances.available == 250
    assert planned.answer.result.points == 250 and planned.answer.created
    assert [event.type for event in change.events] == ["points.adjusted"]
    assert "reason" not in change.events[0].data  # an admin's words stay out of events
    booked = books_of(change)
    assert booked.movement is not None and booked.movement.kind == "issued_other"
    assert booked.movement.points == 250 and booked.day == "2026-06-15"


def test_a_debit_takes_the_soonest_days_first() -> None:
    read = state(member(), {"2026-07-31": 100, "2026-12-31": 300})
    planned = plan("m-1", adjustment(-150), ACTOR, program(), NOW, read)
    assert planned.change.lot_deltas == {"2026-07-31": -100, "2026-12-31": -50}
    assert planned.change.after.balances.available == 250
    assert planned.answer.result.balance_after == 250


def test_a_debit_beyond_the_balance_is_refused_with_what_is_available() -> None:
    read = state(member(), {"2026-07-31": 100})
    with pytest.raises(InsufficientPoints, match="Only 100 points"):
        plan("m-1", adjustment(-101), ACTOR, program(), NOW, read)


def test_an_erasure_is_booked_as_erased_and_says_so_in_its_event() -> None:
    read = state(member(), {"2026-07-31": 40})
    planned = plan("m-1", adjustment(-40, "erasure"), ACTOR, program(), NOW, read)
    assert planned.change.events[0].data["reason"] == "erasure"
    booked = books_of(planned.change)
    assert booked.movement is not None and booked.movement.kind == "erased"


def test_the_entry_is_keyed_by_the_clients_id_so_a_retry_finds_the_first() -> None:
    planned = plan("m-1", adjustment(5), ACTOR, program(), NOW, state(member()))
    entry = planned.change.entry
    assert entry is not None
    stored = entry.decode(entry.item)
    assert isinstance(stored, AdjustmentRecord) and stored.adjustment_id == "adj-1"
    assert stored.actor == "support desk" and stored.entry.key_id == "key-1"
