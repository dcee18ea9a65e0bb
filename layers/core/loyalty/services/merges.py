"""The owner of an email takes over the provisional member a platform's checkout enrolled with it.

POST /v1/members with an email held by a provisional member answers 201 as any enrollment does, and the
new member starts with everything the provisional one held (loyalty.domain.merges): one transaction
(loyalty.store.merges), so under retries and races it happens once. The provisional member then reads
``status: "merged"`` with ``merged_into`` and takes no more writes (409 ``member_exists``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from loyalty.domain import calendar
from loyalty.domain import merges as plans
from loyalty.domain.events import Event
from loyalty.models.common import rfc3339
from loyalty.models.program import Program
from loyalty.services.member_writes import with_points
from loyalty.store import member_reads
from loyalty.store import merges as merge_store
from loyalty.store.enrollment import EnrollConflict
from loyalty.store.entries import EntryFields
from loyalty.store.member_record import ConsentRecord, DueDays, EmailState, MemberRecord
from loyalty.store.unit_of_work import Retry

MERGE = "merge"  # the adjustment id and reason of the events a takeover publishes


@dataclass(frozen=True)
class NotProvisional:
    """The email's holder enrolled itself (or was erased meanwhile): the email is taken."""


def take_over(
    fresh: MemberRecord,
    holder_id: str,
    consent: ConsentRecord,
    program: Program,
    moment: datetime,
    key_id: str | None,
) -> MemberRecord | NotProvisional | EnrollConflict | Retry:
    """Enroll ``fresh`` (a new member as the enrollment built it, without a signup bonus: the provisional
    member's went with its points) taking over the provisional member ``holder_id``. The written member,
    or why not."""
    state = member_reads.read(holder_id, "all")
    if state is None or not state.member.provisional or state.member.status != "active":
        return NotProvisional()
    provisional = state.member
    if fresh.referred_by == provisional.referral_code:
        # The code the taker takes over, with the same mailbox: referred by itself.
        return EnrollConflict(None, None, False, False, self_referral=True)
    at = rfc3339(moment)
    today = calendar.local_day(moment, program.zone)
    try:
        plan = plans.plan(provisional.balances, state.lots, provisional.due.tier_review, fresh.due.tier_review)
    except plans.Unbalanced:
        return Retry("the provisional member's lots disagree with its balance")
    due = replace(fresh.due, tier_review=plan.tier_review)
    taker = replace(
        fresh,
        referral_code=provisional.referral_code,  # the code it may have shared goes on working, for the taker
        balances=plan.taker,
        tier=provisional.tier,
        tier_since=provisional.tier_since,
        qualifying=provisional.qualifying,
        campaign_uses=provisional.campaign_uses,  # per-member limits count the orders it already made
        last_order_on=provisional.last_order_on,
        orders_count=provisional.orders_count,
        memberships=provisional.memberships,  # paid for at the checkout that enrolled it: the taker's now
        # Its orders' challenge progress and badges: a refund of one of its orders (the taker's now) takes
        # back from this progress what the order added.
        challenges=provisional.challenges,
        badges=provisional.badges,
        due=due,
    )
    taker = with_points(taker, plan.lots, program)  # its expiry and reminder days come as soon as its lots
    merged = replace(
        provisional,
        status="merged",
        merged_into=taker.member_id,
        email=None,  # the address is the taker's: the merged member holds nothing of it
        marketing_opt_in=False,
        balances=plan.left,
        memberships={},
        challenges={},
        badges={},
        due=DueDays(),
        emails=EmailState(),
    )
    held = provisional.balances
    entries = (
        merge_store.MergeRecord(
            EntryFields(holder_id, "merge", f"merge:{taker.member_id}", -plan.entry_points, 0, at, key_id),
            holder_id,
            taker.member_id,
            "FROM",
            -held.available,
            -held.pending,
            -held.debt,
            -held.lifetime_earned,
        ),
        merge_store.MergeRecord(
            EntryFields(taker.member_id, "merge", f"merge:{holder_id}", plan.entry_points, held.available, at, key_id),
            holder_id,
            holder_id,
            "INTO",
            held.available,
            held.pending,
            held.debt,
            held.lifetime_earned,
        ),
    )
    change = merge_store.Takeover(
        taker=taker,
        provisional=provisional,
        merged=merged,
        lots=plan.lots,
        portions=state.portions,
        entries=entries,
        # The contract's own types (as an erasure's forfeit): the balance moves as an adjustment whose id
        # and reason are "merge", and the provisional member's email is gone.
        taker_events=[Event("member.enrolled", {"tier": taker.tier}), _moved(plan.entry_points)],
        merged_events=[_moved(-plan.entry_points), Event("member.updated", {"changed": ["email"]})],
        consent=consent,
        at=at,
        day=today.isoformat(),
    )
    outcome = merge_store.take_over(change)
    return taker if outcome is None else outcome


def _moved(points: int) -> Event:
    return Event("points.adjusted", {"adjustment_id": MERGE, "points": points, "reason": MERGE})
