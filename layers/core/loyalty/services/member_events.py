"""Member events (POST /v1/members/{member_id}/events): points for what a member does besides buying.

One Query of the member and one TransactWriteItems: the event's item (its idempotency key and its
``bonus`` entry), the member, the lot its points join and, for a rule with a per_member_limit, the
counter of its period, conditioned to stay below the limit. When that condition fails the limit was
reached (counters only grow): the event is recorded with 0 points and ``limited`` in one more write, so
a retry answers the same.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from loyalty.adapters import clock
from loyalty.domain import bookings, calendar, event_limits
from loyalty.domain.errors import InvalidInput, LoyaltyError, MemberNotFound
from loyalty.domain.events import Event
from loyalty.models.common import rfc3339
from loyalty.models.member_event import MemberEventRequest, MemberEventResult
from loyalty.models.program import EventRule, Program
from loyalty.services import program as programs
from loyalty.services.accrual import FUTURE_SKEW
from loyalty.services.member_writes import active_state, check_owner, with_points
from loyalty.services.views import entry_view
from loyalty.store import bonuses, write_loop
from loyalty.store.bonuses import MemberEventRecord
from loyalty.store.entries import EntryFields
from loyalty.store.member_reads import MemberState
from loyalty.store.unit_of_work import MemberChange, Retry
from loyalty.store.write_loop import Planned, Prepared

# The result, and whether it was recorded now (False: a replay of the same event_id).
type Recorded = tuple[MemberEventResult, bool]


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


@dataclass(frozen=True)
class LimitReached:
    """What a round reads once the rule's counter refused the event: nothing more (counters only grow),
    the event is recorded limited."""


def record(member_id: str, request: MemberEventRequest, key_id: str | None = None) -> Recorded:
    """``(result, True)`` when recorded now, ``(result, False)`` for a replay of the same event_id."""
    program = programs.current()
    rule = check_event(request, program, clock.now())
    reached = False

    def read(_: int) -> MemberState | LimitReached:
        return LimitReached() if reached else active_state(member_id)

    def replayed(stored: MemberEventRecord) -> Recorded:
        check_owner(stored.member_id, member_id, "event_id")
        return view(stored), False

    def lost(error: LoyaltyError) -> Recorded | None:
        if not isinstance(error, MemberNotFound):
            return None
        stored = bonuses.get_event(request.event_id)
        return None if stored is None else replayed(stored)

    def retried(outcome: Retry) -> bool:
        nonlocal reached
        limit = bonuses.LIMIT_ROLE in outcome.failed
        reached = reached or limit
        return limit  # the limit found: recorded limited at once

    return write_loop.write(
        read,
        lambda seen: plan(member_id, request, rule, program, clock.now(), key_id, seen),
        replayed,
        budget=write_loop.MEMBER,
        contended=f"Event '{request.event_id}' could not be recorded; retry it.",
        retried=retried,
        lost=lost,
    )


def plan(
    member_id: str,
    request: MemberEventRequest,
    rule: EventRule,
    program: Program,
    now: datetime,
    key_id: str | None,
    seen: MemberState | LimitReached,
) -> Planned[MemberEventRecord, Recorded] | Prepared[MemberEventRecord, Recorded]:
    """The rule's points on the expiry day of points earned today, with one more on the counter of the
    event's period when the rule has a per_member_limit; once that counter refused, the event alone
    (0 points, ``limited``, no ledger entry)."""
    occurred_at = rfc3339(request.occurred_at)
    if isinstance(seen, LimitReached):
        limited = MemberEventRecord(request.event_id, member_id, request.type, occurred_at, 0, True, None)
        put = bonuses.entry_put(limited)
        return Prepared([put.tx()], (view(limited), True), put)
    member = seen.member
    now_text = rfc3339(now)
    deltas = {
        calendar.expires_on(
            now, program.zone, program.expiry_months, program.month_expiry_from
        ).isoformat(): rule.points
    }
    balances = replace(member.balances, available=member.balances.available + rule.points)
    after = with_points(replace(member, balances=balances, last_activity_at=now_text), deltas, program)
    entry = EntryFields(
        member_id, "bonus", f"event:{request.event_id}", rule.points, balances.available, now_text, key_id
    )
    credited = MemberEventRecord(request.event_id, member_id, request.type, occurred_at, rule.points, False, entry)
    more = []
    if rule.per_member_limit is not None:
        period = event_limits.period_of(calendar.local_day(request.occurred_at, program.zone), rule.period_days)
        expires_at = None
        if period.ends is not None:  # once no event can fall in it any more (they may come late)
            gone = period.ends + timedelta(days=program.max_order_age_days + 1)
            expires_at = int(datetime(gone.year, gone.month, gone.day, tzinfo=program.zone).timestamp())
        more.append(bonuses.count_event(member_id, request.type, period.key, rule.per_member_limit, expires_at))
    event = Event("points.bonus", {"points": rule.points, "reason": "event", "event_id": request.event_id})
    day = calendar.local_day(now, program.zone).isoformat()
    change = MemberChange.of(
        seen,
        after,
        now_text,
        [event],
        entry=bonuses.entry_put(credited),
        lot_deltas=deltas,
        more=more,
        booking=bookings.issued_other(day, program.point_value_minor),
    )
    return Planned(change, (view(credited), True))
