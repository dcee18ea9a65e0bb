"""The erasure's plan, as the write loop hands it what it read: no moto, no table."""

from __future__ import annotations

from harness.plans import NOW, member, program, state, stored
from loyalty.domain.balances import Balances
from loyalty.services.adjustments import Actor
from loyalty.services.privacy import plan
from loyalty.store.write_loop import Done, Planned, Prepared, books_of

DPO = Actor("key-1", "privacy desk")


def test_an_erasure_forfeits_every_point_and_drops_what_names_the_member() -> None:
    holder = member(balances=Balances(available=70, pending=30, lifetime_earned=100))
    step = plan(state(holder, {"2026-09-30": 40, "2027-01-31": 30}), DPO, program(), NOW)
    assert isinstance(step, Planned)
    change = step.change
    after = change.after
    assert after.status == "erased" and not after.marketing_opt_in
    assert after.email is None and after.name is None and after.locale is None
    assert (after.balances.available, after.balances.pending) == (0, 0)
    assert after.due.expiry is None and after.due.reminder is None  # out of every job's index
    assert change.lot_deltas == {"2026-09-30": -40, "2027-01-31": -30}
    assert [(e.type, e.data) for e in change.events] == [
        ("points.adjusted", {"adjustment_id": "erasure", "points": -100, "reason": "erasure"}),
        ("member.erased", {}),
    ]
    record = stored(change)
    assert record.actor == "privacy desk" and record.entry.points == -100 and record.entry.balance_after == 0
    assert [item.role for item in change.more] == ["email", "referral_mailbox"]  # the address is free again
    booked = books_of(change)
    assert booked.movement is not None and booked.movement.kind == "erased" and booked.movement.points == 70
    assert booked.counters["pending_p"] == -30  # never issued: they leave the pending, not the books


def test_a_member_with_nothing_is_erased_all_the_same_with_an_entry_of_no_points() -> None:
    step = plan(state(member()), DPO, program(), NOW)
    assert isinstance(step, Planned)
    assert [event.type for event in step.change.events] == ["member.erased"]
    assert stored(step.change).entry.points == 0
    assert books_of(step.change).movement is None


def test_a_member_erased_already_needs_no_write() -> None:
    assert plan(state(member(status="erased", email=None)), DPO, program(), NOW) == Done(None)


def test_a_member_taken_over_loses_only_its_name_in_one_update_of_itself() -> None:
    step = plan(state(member(status="merged", merged_into="m-2", email=None)), DPO, program(), NOW)
    assert isinstance(step, Prepared)
    assert [item.role for item in step.items] == ["member"]  # no lot, no entry: its points went to m-2
