"""Admin adjustments: signed points with a reason and the acting key, exactly once per adjustment_id."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from loyalty.adapters import clock
from loyalty.domain import calendar
from loyalty.domain.bookings import Booking
from loyalty.domain.errors import InsufficientPoints, LoyaltyError
from loyalty.domain.events import Event
from loyalty.domain.spending import NotEnoughPoints, take_soonest_first
from loyalty.models.adjustment import AdjustmentRequest
from loyalty.models.common import rfc3339
from loyalty.models.entry import Entry
from loyalty.models.program import Program
from loyalty.services import program as programs
from loyalty.services.member_writes import Recorded, active_state, check_owner, with_points
from loyalty.services.views import entry_view
from loyalty.store import entries, write_loop
from loyalty.store.entries import AdjustmentRecord, EntryFields
from loyalty.store.member_reads import MemberState, ReadLots
from loyalty.store.unit_of_work import EntryPut, MemberChange
from loyalty.store.write_loop import Planned

# The reason an erasure forfeits the balance with (API.md): booked as `erased`, not as an adjustment.
ERASURE = "erasure"


Adjusted = Recorded[Entry]  # what the route answers: 201 when created now, else 200


@dataclass(frozen=True)
class Actor:
    """Who made a write: the API key's public id and its label."""

    key_id: str | None
    label: str


def view(record: AdjustmentRecord) -> Entry:
    return entry_view(record.entry, {"adjustment_id": record.adjustment_id}, record.reason)


def adjust(member_id: str, request: AdjustmentRequest, actor: Actor) -> Adjusted:
    """A credit lands on the expiry day of points earned today; a debit takes from the days that expire
    soonest and never goes below zero."""
    program = programs.current()
    lots: ReadLots = "all" if request.points < 0 else "first"

    def replay(existing: AdjustmentRecord) -> Adjusted:
        check_owner(existing.entry.member_id, member_id, "adjustment_id")
        return Adjusted(view(existing), created=False)

    def lost(_: LoyaltyError) -> Adjusted | None:
        stored = entries.get_adjustment(request.adjustment_id)
        return None if stored is None else replay(stored)

    return write_loop.write(
        lambda _: active_state(member_id, lots),
        lambda state: plan(member_id, request, actor, program, clock.now(), state),
        replay,
        budget=write_loop.MEMBER,
        contended=f"Adjustment '{request.adjustment_id}' could not be recorded; retry it.",
        lost=lost,
    )


def plan(
    member_id: str, request: AdjustmentRequest, actor: Actor, program: Program, now: datetime, state: MemberState
) -> Planned[AdjustmentRecord, Adjusted]:
    """The adjustment of the member as read: a debit of more than it holds is refused."""
    member = state.member
    now_text = rfc3339(now)
    if request.points < 0:
        try:
            takes = take_soonest_first(state.lots, -request.points, calendar.local_day(now, program.zone).isoformat())
        except NotEnoughPoints as error:
            available = member.balances.available
            raise InsufficientPoints(f"Only {available} points are available to debit.") from error
        deltas = {day: -points for day, points in takes.items()}
    else:
        deltas = {
            calendar.expires_on(
                now, program.zone, program.expiry_months, program.month_expiry_from
            ).isoformat(): request.points
        }
    balances = replace(member.balances, available=member.balances.available + request.points)
    after = with_points(replace(member, balances=balances, last_activity_at=now_text), deltas, program)
    record = AdjustmentRecord(
        adjustment_id=request.adjustment_id,
        reason=request.reason,
        actor=actor.label,
        entry=EntryFields(
            member_id,
            "adjust",
            f"adjust:{request.adjustment_id}",
            request.points,
            balances.available,
            now_text,
            actor.key_id,
        ),
    )
    change = MemberChange.of(
        state,
        after,
        now_text,
        [
            Event(
                "points.adjusted",
                # No free text in events (an admin's words may name the member): only "erasure".
                {
                    "adjustment_id": request.adjustment_id,
                    "points": request.points,
                    **({"reason": ERASURE} if request.reason == ERASURE else {}),
                },
            )
        ],
        entry=EntryPut(record.to_item(), AdjustmentRecord.from_item),
        lot_deltas=deltas,
        booking=Booking(
            "erased" if request.reason == ERASURE else "issued_other",
            calendar.local_day(now, program.zone).isoformat(),
            value=program.point_value_minor,
        ),
    )
    return Planned(change, Adjusted(view(record), created=True))
