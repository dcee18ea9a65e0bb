"""The refund's plan, as the write loop hands it what it read: no moto, no table."""

from __future__ import annotations

import pytest

from harness.plans import NOW, accrued, member, order_request, program, state, stored
from loyalty.domain.balances import Balances
from loyalty.domain.errors import RefundExceedsOrder
from loyalty.models.order import RefundRequest
from loyalty.services.refunds import Refunding, plan, refunds_planned
from loyalty.store.write_loop import Found, Planned, books_of

# The order of harness.plans: shoes 2 x 15.00 (30 points) and a 20.00 gadget (40 points), 50.00 in all.
GADGET_BACK = RefundRequest.model_validate({"refund_id": "r-1", "lines": [{"sku": "GADGET", "quantity": 1}]})


def test_a_returned_line_takes_back_its_points_from_the_orders_own_expiry_day() -> None:
    order = accrued(order_request(), program())
    read = Refunding(order, refunds_planned(order, GADGET_BACK), state(member(), {"2026-09-30": 5, "2027-06-15": 70}))
    planned = plan(read, GADGET_BACK, program(), NOW, "key-1")
    assert isinstance(planned, Planned)
    change = planned.change
    assert change.lot_deltas == {"2027-06-15": -40}  # its own day first, not the soonest one
    assert change.after.balances.available == 35
    assert planned.answer.created and planned.answer.result.points_reversed == 40
    assert planned.answer.result.member.points.available == 35
    assert [(e.type, e.data) for e in change.events] == [
        ("points.refunded", {"order_id": "o-1", "refund_id": "r-1", "points": 40})
    ]
    record = stored(change)
    assert record.entry.points == -40 and record.entry.balance_after == 35 and record.to_debt == 0
    assert [item.role for item in change.more] == ["order"]  # the order's refund state, at the version read
    booked = books_of(change)
    assert booked.movement is not None and booked.movement.kind == "reversed" and booked.movement.points == 40


def test_points_already_spent_become_debt() -> None:
    order = accrued(order_request(), program())
    read = Refunding(order, refunds_planned(order, GADGET_BACK), state(member(), {"2027-06-15": 10}))
    planned = plan(read, GADGET_BACK, program(), NOW, None)
    assert isinstance(planned, Planned)
    assert planned.change.lot_deltas == {"2027-06-15": -10}
    assert planned.change.after.balances == Balances(available=0, pending=0, lifetime_earned=0, debt=30)
    assert stored(planned.change).to_debt == 30


def test_a_pending_order_gives_back_pending_points_first() -> None:
    pending = program(pending_days=14)
    order = accrued(order_request(), pending)
    holder = member(balances=Balances(available=0, pending=70, lifetime_earned=70))
    planned = plan(
        Refunding(order, refunds_planned(order, GADGET_BACK), state(holder)), GADGET_BACK, pending, NOW, None
    )
    assert isinstance(planned, Planned)
    assert planned.change.lot_deltas == {}
    assert planned.change.after.balances.pending == 30
    booked = books_of(planned.change)
    assert booked.movement is None and booked.counters == {"pending_p": -40}


def test_a_refund_found_made_is_answered_as_it_was_without_a_write() -> None:
    order = accrued(order_request(), program())
    read = Refunding(order, refunds_planned(order, GADGET_BACK), state(member(), {"2027-06-15": 70}))
    made = plan(read, GADGET_BACK, program(), NOW, None)
    assert isinstance(made, Planned)
    found = plan(stored(made.change), GADGET_BACK, program(), NOW, None)
    assert isinstance(found, Found) and found.existing.refund_id == "r-1"


def test_a_refund_beyond_what_the_order_has_left_is_refused() -> None:
    order = accrued(order_request(), program())
    two = RefundRequest.model_validate({"refund_id": "r-2", "lines": [{"sku": "GADGET", "quantity": 2}]})
    with pytest.raises(RefundExceedsOrder, match="only 1 of 'GADGET'"):
        refunds_planned(order, two)


def test_a_refund_by_amount_takes_back_the_same_share_of_the_points() -> None:
    order = accrued(order_request(), program())
    half = refunds_planned(order, RefundRequest.model_validate({"refund_id": "r-3", "amount_minor": 2500}))
    assert half.points_reversed == 35  # 25.00 of 50.00: half of 70
