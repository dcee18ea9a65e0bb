"""The contract's views of what the store holds: a member (balances, tier, next tier, expiring points)
and an activity entry."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from loyalty.domain import calendar, tiers
from loyalty.models.challenges import Badge
from loyalty.models.common import from_record
from loyalty.models.entry import Entry
from loyalty.models.member import Expiring, Member, NextTier, Points, Tier
from loyalty.models.program import Program
from loyalty.services import memberships
from loyalty.services.program import tier_levels
from loyalty.store.entries import ActivityItem, EntryFields
from loyalty.store.member_reads import MemberState
from loyalty.store.member_record import MemberRecord

EXPIRING_SHOWN = 3


def member_view(
    member: MemberRecord, lots: Mapping[str, int], program: Program, now: datetime, *, through_month: str | None = None
) -> Member:
    """The contract's Member. ``expiring`` lists the next days with available points; after a read of
    only the first months of lots (``through_month`` the last one read), later days are left out: an
    unread month may hold sooner ones."""
    today = calendar.local_day(now, program.zone)
    levels = tier_levels(program)
    qualifying = tiers.qualifying_points(member.qualifying, today, program.tier_window_days)
    held = memberships.standing(member, program, now)
    tier = held.tier  # the tier its points give, or the higher one a paid membership holds it at
    upcoming = tiers.next_tier(tier, qualifying, levels)
    never = calendar.NEVER.isoformat()
    shown = sorted(
        day
        for day, points in lots.items()
        if points > 0 and today.isoformat() <= day != never and (through_month is None or day[:7] <= through_month)
    )
    return from_record(
        Member,
        member,
        tier=Tier(name=tier.name, multiplier=float(tier.multiplier), perks=held.perks),
        memberships=held.memberships,
        next_tier=(
            NextTier(name=upcoming[0].name, points_needed=upcoming[1], threshold=upcoming[0].threshold)
            if upcoming
            else None
        ),
        points=Points(
            available=member.balances.available,
            pending=member.balances.pending,
            lifetime_earned=member.balances.lifetime_earned,
            qualifying=qualifying,
        ),
        expiring=[Expiring(points=lots[day], expires_on=day) for day in shown[:EXPIRING_SHOWN]],
        group="holdout" if member.holdout else "treatment",
        badges=badges_view(member),
    )


def badges_view(member: MemberRecord) -> list[Badge]:
    return [
        Badge(badge=badge, awarded_at=datetime.fromtimestamp(at, UTC), count=count)
        for badge, (at, count) in sorted(member.badges.items())
    ]


def state_view(state: MemberState, program: Program, now: datetime) -> Member:
    return member_view(state.member, state.lots, program, now, through_month=state.through_month)


ENTRY_REFS = ("order_id", "refund_id", "redemption_id", "adjustment_id", "merged_with")  # what an entry is of


def entry_view(entry: EntryFields, refs: Mapping[str, str] | None = None, reason: str | None = None) -> Entry:
    refs = refs or {}
    named = {
        name: refs.get(name) for name in ("order_id", "refund_id", "redemption_id", "adjustment_id", "merged_with")
    }
    return from_record(Entry, entry, **named, reason=reason)


def activity_view(item: ActivityItem) -> Entry:
    return entry_view(item.entry, item.refs, item.reason)
