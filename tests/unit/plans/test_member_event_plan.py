"""The member event's plan, as the write loop hands it what it read: no moto, no table."""

from __future__ import annotations

from harness.plans import NOW, member, program, state, stored
from loyalty.models.member_event import MemberEventRequest
from loyalty.services.member_events import LimitReached, Recorded, plan
from loyalty.store.bonuses import LIMIT_ROLE, MemberEventRecord
from loyalty.store.member_reads import MemberState
from loyalty.store.write_loop import Planned, Prepared, Step, books_of

RULES = [{"type": "review", "points": 25, "per_member_limit": 2, "period_days": 30}, {"type": "survey", "points": 10}]


def event(kind: str) -> MemberEventRequest:
    return MemberEventRequest.model_validate({"event_id": "e-1", "type": kind, "occurred_at": "2026-06-14T10:00:00Z"})


def planned(kind: str, read: MemberState | LimitReached) -> Step[MemberEventRecord, Recorded]:
    rules = program(event_rules=RULES)
    rule = rules.event_rule(kind)
    assert rule is not None
    return plan("m-1", event(kind), rule, rules, NOW, "key-1", read)


def test_an_event_credits_its_rules_points_on_the_expiry_day_of_points_earned_today() -> None:
    step = planned("survey", state(member(), {"2026-12-31": 40}))
    assert isinstance(step, Planned)
    change = step.change
    assert change.lot_deltas == {"2027-06-15": 10}
    assert change.after.balances.available == 50
    assert change.more == []  # no limit: no counter
    assert [(e.type, e.data) for e in change.events] == [
        ("points.bonus", {"points": 10, "reason": "event", "event_id": "e-1"})
    ]
    record = stored(change)
    assert record.points == 10 and not record.limited and record.occurred_at == "2026-06-14T10:00:00.000Z"
    assert record.entry is not None and record.entry.entry_id == "event:e-1" and record.entry.balance_after == 50
    result, created = step.answer
    assert created and result.points == 10 and not result.limited
    booked = books_of(change)
    assert booked.movement is not None and booked.movement.kind == "issued_other" and booked.movement.points == 10


def test_a_limited_rule_counts_the_event_in_its_period_in_the_same_write() -> None:
    step = planned("review", state(member()))
    assert isinstance(step, Planned)
    assert [item.role for item in step.change.more] == [LIMIT_ROLE]
    assert step.change.after.balances.available == 25


def test_once_the_limit_refused_it_the_event_is_recorded_with_no_points_and_no_entry() -> None:
    step = planned("review", LimitReached())
    assert isinstance(step, Prepared)
    assert [item.role for item in step.items] == ["entry"]  # the event's own item only: no member, no lot
    assert step.entry is not None
    record = step.entry.decode(step.entry.item)
    assert (record.points, record.limited, record.entry) == (0, True, None)
    result, created = step.answer
    assert created and result.points == 0 and result.limited and result.entry is None
