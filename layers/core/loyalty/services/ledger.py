"""What every balance-changing use case shares: reading the member it changes, the entry it writes,
and the answer a client sees."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime

from loyalty.domain import calendar, due_dates, tiers
from loyalty.domain.errors import IdempotencyConflict, MemberErased, MemberMerged, MemberNotFound
from loyalty.models.entry import Entry
from loyalty.models.member import Expiring, Member, NextTier, Points, Tier
from loyalty.models.program import Program
from loyalty.services.program import tier_levels
from loyalty.store import members as member_store
from loyalty.store.entries import ActivityItem, EntryFields
from loyalty.store.members import MemberRecord, MemberState, ReadLots

EXPIRING_SHOWN = 3


def active_state(member_id: str, lots: ReadLots = "first") -> MemberState:
    """The member to change, as one strongly consistent read; erased members take no writes."""
    state = member_store.read(member_id, lots)
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
    state = member_store.read(merged_id, "none")
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


def member_view(
    member: MemberRecord, lots: Mapping[str, int], program: Program, now: datetime, *, through_month: str | None = None
) -> Member:
    """The contract's Member. ``expiring`` lists the next days with available points; after a read of
    only the first months of lots (``through_month`` the last one read), later days are left out: an
    unread month may hold sooner ones."""
    today = calendar.local_day(now, program.zone)
    levels = tier_levels(program)
    qualifying = tiers.qualifying_points(member.qualifying, today, program.tier_window_days)
    tier = tiers.by_name(member.tier, levels)
    upcoming = tiers.next_tier(tier, qualifying, levels)
    never = calendar.NEVER.isoformat()
    shown = sorted(
        day
        for day, points in lots.items()
        if points > 0 and today.isoformat() <= day != never and (through_month is None or day[:7] <= through_month)
    )
    return Member(
        member_id=member.member_id,
        email=member.email,
        name=member.name,
        status=member.status,
        provisional=member.provisional,
        merged_into=member.merged_into,
        enrolled_at=member.enrolled_at,
        last_activity_at=member.last_activity_at,
        marketing_opt_in=member.marketing_opt_in,
        locale=member.locale,
        referral_code=member.referral_code,
        tier=Tier(name=tier.name, multiplier=float(tier.multiplier)),
        next_tier=NextTier(name=upcoming[0].name, points_needed=upcoming[1]) if upcoming else None,
        points=Points(
            available=member.balances.available,
            pending=member.balances.pending,
            lifetime_earned=member.balances.lifetime_earned,
            qualifying=qualifying,
        ),
        expiring=[Expiring(points=lots[day], expires_on=day) for day in shown[:EXPIRING_SHOWN]],
    )


def state_view(state: MemberState, program: Program, now: datetime) -> Member:
    return member_view(state.member, state.lots, program, now, through_month=state.through_month)


def entry_view(entry: EntryFields, refs: Mapping[str, str] | None = None, reason: str | None = None) -> Entry:
    refs = refs or {}
    return Entry(
        entry_id=entry.entry_id,
        kind=entry.kind,
        points=entry.points,
        balance_after=entry.balance_after,
        occurred_at=entry.occurred_at,
        order_id=refs.get("order_id"),
        refund_id=refs.get("refund_id"),
        redemption_id=refs.get("redemption_id"),
        adjustment_id=refs.get("adjustment_id"),
        reason=reason,
        merged_with=refs.get("merged_with"),
        key_id=entry.key_id,
    )


def activity_view(item: ActivityItem) -> Entry:
    return entry_view(item.entry, item.refs, item.reason)
