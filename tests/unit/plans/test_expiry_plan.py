"""The expiry's plan, as the write loop hands it the member it read: no moto."""

from __future__ import annotations

from datetime import date

import pytest

from harness.plans import NOW, job_run, member, put, state
from loyalty.services.jobs import expiry
from loyalty.services.jobs.expiry import Expired, Skipped, plan
from loyalty.store.member_reads import MemberState
from loyalty.store.member_record import DueDays
from loyalty.store.write_loop import Done, Planned, books_of

RUN = job_run("expire")  # 15 June 2026 in New York: the days up to the 14th have ended
LOTS = {"2026-06-10": 100, "2026-06-14": 50, "2026-12-31": 300}


def expire(read: MemberState, again: frozenset[str] = frozenset()) -> Planned[None, Expired]:
    planned = plan(read, again, RUN, NOW)
    assert isinstance(planned, Planned) and isinstance(planned.answer, Expired)
    return planned


def entries(planned: Planned[None, Expired]) -> list[tuple[str, int, int, str]]:
    found = [put(item.request) for item in planned.change.more]
    return [(e["entry_id"], e["entry_points"], e["balance_after"], e["occurred_at"]) for e in found]


def test_the_ended_days_leave_the_balance_each_with_an_entry_and_the_balance_it_leaves() -> None:
    planned = expire(state(member(), LOTS))
    assert planned.answer == Expired(days=2, points=150, more=False)
    change = planned.change
    assert change.lot_deltas == {"2026-06-10": -100, "2026-06-14": -50}
    assert change.after.balances.available == 300
    assert change.after.due.expiry == date(2026, 12, 31)  # the soonest day still holding points
    assert entries(planned) == [
        ("expire:2026-06-10", -100, 350, "2026-06-11T03:59:59.999Z"),  # the end of its day in New York
        ("expire:2026-06-14", -50, 300, "2026-06-15T03:59:59.999Z"),
    ]
    assert [(event.type, event.data) for event in change.events] == [
        ("points.expired", {"expires_on": "2026-06-10", "points": 100}),
        ("points.expired", {"expires_on": "2026-06-14", "points": 50}),
    ]
    booked = books_of(change)
    assert booked.movement is not None and booked.movement.kind == "expired" and booked.movement.points == 150


def test_more_ended_days_than_one_write_holds_say_there_are_more(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(expiry, "DAYS_PER_WRITE", 1)
    planned = expire(state(member(), LOTS))
    assert planned.answer == Expired(days=1, points=100, more=True)
    assert planned.change.after.due.expiry == date(2026, 6, 14)  # still due: the next write takes it


def test_points_given_back_to_a_day_already_expired_leave_now_under_a_new_key() -> None:
    planned = expire(state(member(), LOTS), frozenset({"2026-06-10"}))
    assert entries(planned)[0] == ("expire:2026-06-10:2026-06-15", -100, 350, "2026-06-15T14:00:00.000Z")


def test_when_only_the_first_months_were_read_the_next_expiry_day_is_the_month_after() -> None:
    first = state(member(), {"2026-06-10": 100})
    read = MemberState(first.member, first.lots, complete=False, through_month="2026-09", portions=first.portions)
    assert expire(read).change.after.due.expiry == date(2026, 10, 1)


def test_nothing_left_waits_where_points_earned_from_now_could_expire_at_the_soonest() -> None:
    planned = expire(state(member(), {"2026-06-10": 100}))
    assert planned.change.after.balances.available == 0
    assert planned.change.after.due.expiry is not None and planned.change.after.due.expiry >= RUN.today


def test_a_member_gone_or_erased_loses_nothing_and_an_erased_one_leaves_the_index() -> None:
    assert plan(None, frozenset(), RUN, NOW) == Done(Skipped())
    erased = state(member(status="erased", due=DueDays(expiry=date(2026, 6, 10))))
    assert plan(erased, frozenset(), RUN, NOW) == Done(Skipped(inactive=True, due=date(2026, 6, 10)))
