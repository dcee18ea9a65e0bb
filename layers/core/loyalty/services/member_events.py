"""Member events (POST /v1/members/{member_id}/events): points for what a member does besides buying.

One Query of the member and one TransactWriteItems: the event's item (its idempotency key and its
``bonus`` entry), the member, the lot its points join and, for a rule with a per_member_limit, the
counter of its period, conditioned to stay below the limit. When that condition fails the limit was
reached (counters only grow): the event is recorded with 0 points and ``limited`` in one more write, so
a retry answers the same.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from loyalty.adapters import clock
from loyalty.domain import calendar, event_limits
from loyalty.domain.bookings import Booking
from loyalty.domain.errors import Contended, InvalidInput, MemberNotFound
from loyalty.domain.events import Event
from loyalty.models.common import rfc3339
from loyalty.models.member_event import MemberEventRequest, MemberEventResult
from loyalty.models.program import EventRule, Program
from loyalty.services import program as programs
from loyalty.services.accrual import FUTURE_SKEW
from loyalty.services.member_writes import active_state, check_owner, with_points
from loyalty.services.retry import MAX_ATTEMPTS, pause
from loyalty.services.views import entry_view
from loyalty.store import bonuses, write_loop
from loyalty.store.bonuses import MemberEventRecord
from loyalty.store.entries import EntryFields
from loyalty.store.unit_of_work import MemberChange, Replay, Retry, Written


def view(record: MemberEventRecord) -> MemberEventResult:
    entry = None if record.entry is None else entry_view(record.entry, None, record.event_type)
    return MemberEventResult(event_id=record.event_id, points=record.points, limited=record.limited, entry=entry)


def check_event(request: MemberEventRequest, program: Program, now: datetime) -> EventRule:
    rule = program.event_rule(request.type)
    if rule is None:
        known = ", ".join(r.type for r in program.event_rules) or "none"
        raise InvalidInput(f"type must be one of the program's event_rules types ({known}).", ["body", "type"])
    if request.occurred_at > now + FUTURE_SKEW:
        raise InvalidInput("occurred_at is in the future: an event is sent once it happened.", ["body", "occurred_at"])
    if request.occurred_at < now - timedelta(days=program.max_order_age_days):
        raise InvalidInput(f"occurred_at is more than {program.max_order_age_days} days ago.", ["body", "occurred_at"])
    return rule


def record(member_id: str, request: MemberEventRequest, key_id: str | None = None) -> tuple[MemberEventResult, bool]:
    """``(result, True)`` when recorded now, ``(result, False)`` for a replay of the same event_id."""
    program = programs.current()
    rule = check_event(request, program, clock.now())
    for attempt in range(MAX_ATTEMPTS):
        try:
            state = active_state(member_id)
        except MemberNotFound:
            stored = bonuses.get_event(request.event_id)
            if stored is not None:
                check_owner(stored.member_id, member_id, "event_id")
                return view(stored), False
            raise
        member = state.member
        now = clock.now()
        now_text = rfc3339(now)
        deltas = {calendar.expires_on(now, program.zone, program.expiry_months).isoformat(): rule.points}
        balances = replace(member.balances, available=member.balances.available + rule.points)
        after = with_points(replace(member, balances=balances, last_activity_at=now_text), deltas, program)
        entry = EntryFields(
            member_id, "bonus", f"event:{request.event_id}", rule.points, balances.available, now_text, key_id
        )
        credited = MemberEventRecord(
            request.event_id, member_id, request.type, rfc3339(request.occurred_at), rule.points, False, entry
        )
        more = []
        if rule.per_member_limit is not None:
            period = event_limits.period_of(calendar.local_day(request.occurred_at, program.zone), rule.period_days)
            expires_at = None
            if period.ends is not None:  # once no event can fall in it any more (they may come late)
                gone = period.ends + timedelta(days=program.max_order_age_days + 1)
                expires_at = int(datetime(gone.year, gone.month, gone.day, tzinfo=program.zone).timestamp())
            more.append(bonuses.count_event(member_id, request.type, period.key, rule.per_member_limit, expires_at))
        event = Event("points.bonus", {"points": rule.points, "reason": "event", "event_id": request.event_id})
        outcome = write_loop.commit_change(
            MemberChange(
                before=member,
                after=after,
                at=now_text,
                events=[event],
                entry=bonuses.entry_put(credited),
                lots_before=state.lots,
                lot_deltas=deltas,
                more=more,
                booking=Booking(
                    "issued_other",
                    calendar.local_day(now, program.zone).isoformat(),
                    value=program.point_value_minor,
                    source="other",
                ),
                portions_before=state.portions,
            )
        )
        if isinstance(outcome, Written):
            return view(credited), True
        if isinstance(outcome, Replay):
            check_owner(outcome.existing.member_id, member_id, "event_id")
            return view(outcome.existing), False
        if isinstance(outcome, Retry) and bonuses.LIMIT_ROLE in outcome.failed:
            limited = replace(credited, points=0, limited=True, entry=None)
            put = bonuses.put_limited(limited)
            if isinstance(put, Written):
                return view(limited), True
            if isinstance(put, Replay):
                check_owner(put.existing.member_id, member_id, "event_id")
                return view(put.existing), False
        pause(attempt)
    raise Contended(f"Event '{request.event_id}' could not be recorded; retry it.")
