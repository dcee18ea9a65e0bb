"""The referrals' plans (completion, the referee's credit, the referrer's), as the write loop hands them
what they read: no moto, no table."""

from __future__ import annotations

from dataclasses import replace

from harness.plans import NOW, accrued, member, order_request, program, state, stored
from loyalty.services.referrals import Completing, Credited, Crediting, completion, referee_credit, referrer_credit
from loyalty.store.referrals import CodeStats, ReferralRecord
from loyalty.store.write_loop import Done, Planned, Prepared, books_of

RULES = {
    "referrer_points": 100,
    "referee_points": 50,
    "min_order_minor": 4000,
    "milestones": [{"count": 3, "bonus_points": 500}],
    "max_per_member": 5,
}
PROGRAM = program(referrals=RULES, pending_days=14)
# The referee m-1 (code R-m-9 is its referrer m-9's) placed a 50.00 order; it matures on 29 June.
CANDIDATE = ReferralRecord("m-1", "R-m-9", "candidate", "o-1", "2026-06-29", version=1)
COMPLETED = ReferralRecord("m-1", "R-m-9", "completed", "o-1", "2026-06-15", version=2)
REFEREE = state(member(referred_by="R-m-9", referral="candidate"))


def matured(refunded_share: str = "0") -> Completing:
    """What the completion reads once the order's points matured (and ``refunded_share`` of it went back)."""
    order = accrued(order_request(), PROGRAM, REFEREE)
    return Completing(
        CANDIDATE, replace(order, status="available", pending_left=0, refunded_share=refunded_share), REFEREE
    )


def test_a_matured_order_that_kept_enough_completes_the_referral() -> None:
    step = completion(matured(), CANDIDATE, PROGRAM, NOW)
    assert isinstance(step, Prepared)
    outcome, record = step.answer
    assert outcome == "completed" and record.state == "completed" and record.day == "2026-06-15"
    assert record.version == 2  # the version it is written at
    # The record, the order unchanged since it was read (no refund meanwhile), the referee's own mark.
    assert [item.role for item in step.items] == ["referral", "order", "referee_member"]


def test_an_order_refunded_below_the_minimum_drops_the_referral() -> None:
    step = completion(matured(refunded_share="1/2"), CANDIDATE, PROGRAM, NOW)  # 25.00 kept of 40.00 needed
    assert isinstance(step, Prepared)
    assert step.answer[0] == "dropped" and step.answer[1].state == "dropped"


def test_a_pending_order_keeps_the_referral_waiting() -> None:
    order = accrued(order_request(), PROGRAM, REFEREE)
    assert completion(Completing(CANDIDATE, order, REFEREE), CANDIDATE, PROGRAM, NOW) == Done(("waiting", CANDIDATE))


def test_an_erased_referee_drops_the_referral_without_touching_the_member() -> None:
    order = accrued(order_request(), PROGRAM, REFEREE)
    erased = state(member(status="erased", email=None))
    step = completion(Completing(CANDIDATE, order, erased), CANDIDATE, PROGRAM, NOW)
    assert isinstance(step, Prepared)
    assert step.answer[0] == "dropped" and [item.role for item in step.items] == ["referral", "order"]


def test_a_record_settled_by_another_run_is_answered_by_its_state() -> None:
    credited = replace(CANDIDATE, state="credited", version=3)
    assert completion(Completing(credited), CANDIDATE, PROGRAM, NOW) == Done(("completed", credited))
    dropped = replace(CANDIDATE, state="dropped", version=2)
    assert completion(Completing(dropped), CANDIDATE, PROGRAM, NOW) == Done(("dropped", dropped))


def test_the_referee_gets_its_points_and_the_record_notes_it_in_the_same_write() -> None:
    step = referee_credit(Crediting(COMPLETED, state(member())), "m-9", 50, PROGRAM, NOW)
    assert isinstance(step, Planned)
    change = step.change
    assert change.lot_deltas == {"2027-06-15": 50} and change.after.balances.available == 50
    assert [(e.type, e.data) for e in change.events] == [
        ("referral.completed", {"role": "referee", "other_member_id": "m-9", "points": 50})
    ]
    assert stored(change).entry.entry_id == "referee:m-1"
    assert [item.role for item in change.more] == ["referral"]
    booked = books_of(change)
    assert booked.movement is not None and booked.movement.kind == "issued_other"


def test_an_erased_referee_is_noted_done_with_nothing_paid() -> None:
    step = referee_credit(Crediting(COMPLETED, state(member(status="erased"))), "m-9", 50, PROGRAM, NOW)
    assert isinstance(step, Prepared) and [item.role for item in step.items] == ["referral"]


def test_the_referrer_gets_its_points_and_the_milestone_its_count_reaches() -> None:
    done = replace(COMPLETED, referee_done=True)
    step = referrer_credit(Crediting(done, state(member("m-9")), CodeStats("R-m-9", "m-9", 4, 2)), PROGRAM, NOW)
    assert isinstance(step, Planned)
    assert step.answer == Credited(True, referrer_paid=True, milestone=3)
    change = step.change
    assert change.lot_deltas == {"2027-06-15": 600} and change.after.balances.available == 600
    assert [event.type for event in change.events] == ["referral.completed", "points.bonus"]
    assert stored(change).entry.entry_id == "referrer:m-1"
    # The milestone's own entry, the code's count from 2 to 3 exactly, the record credited.
    assert [item.role for item in change.more] == ["milestone", "referral_counter", "referral"]


def test_beyond_its_cap_the_referrer_counts_the_referral_and_gets_nothing() -> None:
    done = replace(COMPLETED, referee_done=True)
    step = referrer_credit(Crediting(done, None, CodeStats("R-m-9", "m-9", 9, 5)), PROGRAM, NOW)
    assert isinstance(step, Prepared)
    assert step.answer == Credited(True, referrer_paid=False, milestone=None)
    assert [item.role for item in step.items] == ["referral_counter", "referral"]


def test_the_referrer_waits_for_the_referees_part() -> None:
    step = referrer_credit(Crediting(COMPLETED, state(member("m-9")), CodeStats("R-m-9", "m-9", 4, 2)), PROGRAM, NOW)
    assert step == Done(Credited(False))
