"""What every balance-changing use case shares before it writes: the member it changes (live, not erased
or merged away), who owns a reused client id, and the member's lots and due days after the write."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from loyalty.domain import due_dates
from loyalty.domain.errors import IdempotencyConflict, MemberErased, MemberMerged, MemberNotFound
from loyalty.models.program import Program
from loyalty.store import member_reads
from loyalty.store.member_reads import MemberState, ReadLots
from loyalty.store.member_record import MemberRecord


def active_state(member_id: str, lots: ReadLots = "first") -> MemberState:
    """The member to change, as one strongly consistent read; erased members take no writes."""
    state = member_reads.read(member_id, lots)
    if state is None:
        raise MemberNotFound(f"No member '{member_id}'.")
    if state.member.status == "erased":
        raise MemberErased(f"Member '{member_id}' was erased.")
    if state.member.status == "merged" and state.member.merged_into:
        into = state.member.merged_into
        raise MemberMerged(f"Member '{member_id}' was merged into member '{into}': write to that one.", into)
    return state


def owner_state(member_id: str, lots: ReadLots = "first") -> MemberState:
    """The member that holds what ``member_id`` earned: itself, or the member it was merged into (a
    refund of a provisional member's order reverses points that moved with the merge)."""
    try:
        return active_state(member_id, lots)
    except MemberMerged as merged:
        return active_state(merged.merged_into, lots)  # one hop: a member is merged only into a non-provisional one


def check_owner(stored_member_id: str, member_id: str, what: str) -> None:
    """A client id belongs to the member it was first used for: reusing it for another member is a
    conflict, and the answer says nothing of the first one."""
    if stored_member_id != member_id and not _merged_into(stored_member_id, member_id):
        raise IdempotencyConflict(f"This {what} was already used for another member.")


def _merged_into(merged_id: str, member_id: str) -> bool:
    """Whether ``merged_id`` was taken over by ``member_id``: its client ids are that member's now (a
    platform's order redelivered after the takeover, matched by email to the new member, is a replay)."""
    state = member_reads.read(merged_id, "none")
    return state is not None and state.member.merged_into == member_id


def with_points(member: MemberRecord, lot_days: Mapping[str, int], program: Program) -> MemberRecord:
    """The member's due days after a write that brings points to ``lot_days``: the expiry and reminder
    days move only when the new points come sooner than they say (see loyalty.domain.due_dates)."""
    days = [day for day, points in lot_days.items() if points > 0]
    if not days:
        return member
    due = replace(
        member.due,
        expiry=due_dates.sooner(member.due.expiry, days),
        reminder=due_dates.reminder_for_new_points(member.due.reminder, days, program.emails.expiring_notice_days),
    )
    return replace(member, due=due)


def lots_after(lots: Mapping[str, int], deltas: Mapping[str, int]) -> dict[str, int]:
    after = dict(lots)
    for day, delta in deltas.items():
        after[day] = after.get(day, 0) + delta
    return {day: points for day, points in after.items() if points > 0}


@dataclass(frozen=True)
class Recorded[T]:
    """What a write answers: its result, and whether this request made it (201) or found it already made
    by an earlier one with the same client id (200)."""

    result: T
    created: bool
