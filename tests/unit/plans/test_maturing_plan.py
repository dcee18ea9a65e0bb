"""The maturing's plan, as the write loop hands it the order (the member is not read): no moto."""

from __future__ import annotations

from typing import Any

import pytest

from harness.plans import by_role, job_run, lots_added, values
from loyalty.services.jobs.maturing import EXPIRY_LATER, MEMBER_FAILED, MatureRead, Settled, plan
from loyalty.store.orders import PendingOrder
from loyalty.store.outbox import unpack
from loyalty.store.transactions import TxResult
from loyalty.store.unit_of_work import Refused, Retry
from loyalty.store.write_loop import Done, Prepared

RUN = job_run("mature")


def order(**fields: Any) -> PendingOrder:
    pending = PendingOrder("o-1", "m-1", "pending", 500, "2026-06-15T04:00:00.000Z", "2027-06-14", "2026-06-15", 2)
    return PendingOrder(**{**pending.__dict__, **fields})


def mature(read: MatureRead) -> Prepared[None, Settled]:
    step = plan(read, RUN)
    assert isinstance(step, Prepared)
    return step


def test_what_the_order_still_holds_pending_becomes_available_on_its_expiry_day() -> None:
    step = mature(MatureRead(order(pending_left=420), "m-1"))  # a refund took 80 of its 500
    assert step.answer == Settled("matured", 420)
    assert lots_added(list(step.items)) == {"2027-06-14": 420}
    items = by_role([item for item in step.items if item.role != "lot"])
    assert {"order", "member"} == set(items)  # no accounting item: the order keeps its books for the stream
    moved = values(items["member"])
    assert (moved[":points"], moved[":minus"]) == (420, -420)
    kept = values(items["order"])[":kept"]  # set once on the order (booked_m): the stream's consumer takes it in
    assert kept["a"]["issued_sales_p"] == 420 and kept["a"]["pending_p"] == -420
    assert "books" not in str(items["member"]["Update"]["UpdateExpression"])  # the member item carries none
    assert [event["type"] for event in unpack(moved[":outbox"])[0]] == ["points.matured"]
    assert items["member"]["Update"]["Key"]["PK"]["S"] == "MEMBER#m-1"


def test_the_member_is_not_read_its_condition_says_whether_its_expiry_day_must_move() -> None:
    keep = mature(MatureRead(order(), "m-1"))
    assert "#sk <= :day" in by_role(list(keep.items)[:2])["member"]["Update"]["ConditionExpression"]
    assert keep.outcome is not None
    assert keep.outcome(TxResult(False, {"member": [None]})) == Refused(EXPIRY_LATER)  # then the `sooner` form
    sooner = mature(MatureRead(order(), "m-1", sooner=True))
    assert "#sk > :day" in by_role(list(sooner.items)[:2])["member"]["Update"]["ConditionExpression"]
    assert sooner.outcome is not None
    assert sooner.outcome(TxResult(False, {"member": [None]})) == Refused(MEMBER_FAILED)  # gone, or disagrees


def test_an_order_changed_since_it_was_read_is_read_again() -> None:
    step = mature(MatureRead(order(), "m-1"))
    assert step.outcome is not None
    changed = step.outcome(TxResult(False, {"order": [None], "member": [None]}))
    assert isinstance(changed, Retry) and "order" in changed.failed


def test_the_points_of_a_member_taken_over_mature_into_its_taker() -> None:
    step = mature(MatureRead(order(), "m-2"))
    assert by_role(list(step.items)[:2])["member"]["Update"]["Key"]["PK"]["S"] == "MEMBER#m-2"


def test_an_erased_members_order_only_leaves_the_index() -> None:
    step = mature(MatureRead(order(), "m-1", erased=True))
    assert step.answer == Settled("forfeited")
    assert [item.role for item in step.items] == ["order"]
    assert values(by_role(list(step.items))["order"])[":zero"] == 0  # nothing left pending on it


def test_an_order_not_due_yet_or_settled_already_writes_nothing() -> None:
    assert plan(MatureRead(order(available_at="2026-06-16T04:00:00.000Z"), "m-1"), RUN) == Done(Settled("not_yet"))
    assert plan(MatureRead(order(status="available"), "m-1"), RUN) == Done(Settled("gone"))
    assert plan(MatureRead(None, ""), RUN) == Done(Settled("gone"))


def test_an_order_with_nothing_left_pending_only_leaves_the_index() -> None:
    step = mature(MatureRead(order(pending_left=0), "m-1"))
    assert [item.role for item in step.items] == ["order"] and step.answer == Settled("matured", 0)


def test_a_pending_order_without_an_expiry_day_is_a_fault() -> None:
    with pytest.raises(ValueError, match="without an expiry day"):
        plan(MatureRead(order(expires_on=None), "m-1"), RUN)
