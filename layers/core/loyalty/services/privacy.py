"""A member's privacy rights: everything held about it in one document (access, portability), and its
erasure (the personal data gone, the email free again, the balance forfeited, the ledger kept)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime

from loyalty.adapters import clock
from loyalty.domain import calendar
from loyalty.domain.bookings import Booking
from loyalty.domain.errors import MemberNotFound
from loyalty.domain.events import Event
from loyalty.domain.valuation import Portion
from loyalty.models.common import rfc3339
from loyalty.models.privacy import ConsentChange, MemberExport
from loyalty.models.program import Program
from loyalty.services import accrual, redemptions
from loyalty.services import program as programs
from loyalty.services.adjustments import Actor
from loyalty.services.integrations import bodies
from loyalty.services.views import activity_view, state_view
from loyalty.store import activity as activity_store
from loyalty.store import cards as card_store
from loyalty.store import entries, member_reads, member_updates, write_loop
from loyalty.store import integrations as integrations_store
from loyalty.store import merges as merge_store
from loyalty.store.entries import ERASURE_ADJUSTMENT_ID, ERASURE_REASON, EntryFields, ErasureRecord
from loyalty.store.member_reads import MemberState
from loyalty.store.member_record import DueDays, MemberRecord
from loyalty.store.unit_of_work import EntryPut, MemberChange
from loyalty.store.write_loop import Done, Planned, Prepared, Step


def export(member_id: str) -> MemberExport:
    """The member, its consent history and its whole activity with every order and redemption: one
    read of the profile, one Query of the consents and the first one on the referral code, the activity
    index read to its end."""
    program = programs.current()
    state = member_reads.read(member_id)
    if state is None:
        raise MemberNotFound(f"No member '{member_id}'.")
    member = state_view(state, program, clock.now())
    history = activity_store.history(member_id)
    return MemberExport(
        member=member,
        consents=[
            ConsentChange.model_validate(
                {"marketing_opt_in": c.marketing_opt_in, "source": c.source, "key_id": c.key_id, "at": c.at}
            )
            for c in member_reads.consents(member_id, state.member.referral_code)
        ],
        activity=[activity_view(item) for item in history.entries],
        redemptions=[redemptions.with_member(record, member) for record in history.redemptions],
        orders=[accrual.order_read(order, member) for order in history.orders],
    )


def erase(member_id: str, actor: Actor) -> None:
    """Erase a member, once: email, name and locale leave the profile and the email's guard is deleted
    (so the address may enroll again, as a new member); the points it holds, available and pending, are
    forfeited by an ``adjust`` entry with reason ``erasure``; it leaves every due index (the jobs never
    find it again); its outbox says ``member.erased`` and nothing else about it. Entries, orders and
    redemptions stay (amounts and dates), so the accounts still add up. All in one transaction.

    Around it, what else names the member (docs/privacy.md): before it, the inbound webhook bodies
    waiting in the bucket (found by the email, which the transaction removes); after it, the free-text
    reasons of its adjustments, its platform customer links and its member card. Each step is idempotent, so a DELETE
    that failed part way is simply sent again: an erased member's DELETE redoes the steps after."""

    def read(_: int) -> MemberState:
        state = member_reads.read(member_id, "all")
        if state is None:
            raise MemberNotFound(f"No member '{member_id}'.")
        if state.member.status == "active":
            # Before the transaction removes the email: the bodies found by it go first.
            bodies.forget(state.member.email, integrations_store.customer_links(member_id))
        return state

    write_loop.write(
        read,
        lambda state: plan(state, actor, programs.current(), clock.now()),  # once the member is found
        lambda _: None,  # erased already: the steps after the transaction are redone
        budget=write_loop.MEMBER,
        contended=f"Member '{member_id}' could not be erased; retry it.",
    )
    _forget_records(member_id)


def plan(state: MemberState, actor: Actor, program: Program, now: datetime) -> Step[ErasureRecord, None]:
    """The erasure of the member as read: nothing for one erased already; for one taken over (merged)
    only its name and locale, since its points and email went to its taker; else ``_erasure``."""
    member = state.member
    if member.status == "erased":
        return Done(None)
    at = rfc3339(now)
    if member.status == "merged":
        return Prepared([merge_store.merged_erasure(member, [Event("member.erased", {})], at)], None)
    day = calendar.local_day(now, program.zone).isoformat()
    return Planned(_erasure(member, state.lots, state.portions, day, at, actor), None)


def _forget_records(member_id: str) -> None:
    """The member's records outside its transaction: a write each, found by the member's id."""
    for adjustment_id in entries.adjustments_with_reason(member_id):
        entries.redact_reason(adjustment_id, member_id)
    for connection_id, customer_id in integrations_store.customer_links(member_id):
        integrations_store.unlink_customer(member_id, connection_id, customer_id)
    card_store.forget(member_id)  # its card stops working (no new one: an erased member gets none)


def _erasure(
    member: MemberRecord, lots: dict[str, int], portions: Mapping[Portion, int], day: str, at: str, actor: Actor
) -> MemberChange[ErasureRecord]:
    forfeited = member.balances.available + member.balances.pending
    after = replace(
        member,
        email=None,
        name=None,
        locale=None,
        status="erased",
        marketing_opt_in=False,
        balances=replace(member.balances, available=0, pending=0),
        due=DueDays(),
    )
    record = ErasureRecord(
        actor=actor.label,
        entry=EntryFields(member.member_id, "adjust", "erasure", -forfeited, 0, at, actor.key_id),
    )
    events = [Event("member.erased", {})]
    if forfeited:
        adjusted = {"adjustment_id": ERASURE_ADJUSTMENT_ID, "points": -forfeited, "reason": ERASURE_REASON}
        events.insert(0, Event("points.adjusted", adjusted))
    return MemberChange(
        before=member,
        after=after,
        at=at,
        events=events,
        entry=EntryPut(record.to_item(), ErasureRecord.from_item),
        lots_before=lots,
        lot_deltas={day: -points for day, points in lots.items() if points > 0},
        more=[
            *([member_updates.release_email(member.member_id, member.email)] if member.email else []),
            member_updates.referral_mailbox(member.referral_code, None),
        ],
        # The lots leave the books as `erased`; pending points were never issued, they leave the pending.
        booking=Booking(
            "erased", day, counters={"pending_p": -member.balances.pending} if member.balances.pending else {}
        ),
        portions_before=portions,
    )
