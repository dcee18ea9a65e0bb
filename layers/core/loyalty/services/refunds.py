"""Refunds: take back what the refunded part of an order earned, exactly once per refund_id.

The API's and the queue's refunds are held to what the order has left (beyond it: 409). A platform's
refund (``platform`` given, by the integrations only) is what the platform already did: it is capped
at what the order still holds, never refused, and an amount counts only the goods' share of it
(loyalty.domain.refunds.by_platform)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from fractions import Fraction

from loyalty.adapters import clock
from loyalty.domain import balances, calendar, refunds, tier_review, tiers
from loyalty.domain.bookings import Booking
from loyalty.domain.errors import InvalidInput, OrderNotFound, RefundExceedsOrder
from loyalty.domain.events import Event
from loyalty.domain.spending import spendable
from loyalty.models.common import rfc3339
from loyalty.models.order import RefundRequest, RefundResult
from loyalty.models.program import Program
from loyalty.services import budgets, challenges, memberships
from loyalty.services import program as programs
from loyalty.services.member_writes import Recorded, check_owner, lots_after, owner_state
from loyalty.services.views import member_view, state_view
from loyalty.store import member_reads, write_loop
from loyalty.store import orders as order_store
from loyalty.store.entries import EntryFields
from loyalty.store.member_reads import MemberState
from loyalty.store.member_record import MemberRecord
from loyalty.store.orders import OrderRecord, RefundRecord
from loyalty.store.transactions import TxItem
from loyalty.store.unit_of_work import EntryPut, MemberChange
from loyalty.store.write_loop import Found, Planned

Refunded = Recorded[RefundResult]  # what the route answers: 201 when created now, else 200


def refund_state(order: OrderRecord) -> refunds.RefundState:
    """Exact values are stored as strings ("1/3", "12.5") so no rounding creeps in between refunds."""
    return refunds.RefundState(
        points=order.points,
        net_total=Fraction(order.net_total),
        lines=[refunds.EarnedLine(ln.sku, ln.quantity, Fraction(ln.exact)) for ln in order.lines],
        reversed=order.reversed,
        refunded_share=Fraction(order.refunded_share),
        refunded_value=Fraction(order.refunded_value),
        refunded_qty=order.refunded_qty,
        paid=order.paid,
        refunded_paid=Fraction(order.refunded_paid),
    )


@dataclass(frozen=True)
class Refunding:
    """What a refund not made yet reads: its order, what the order has left gives back (``taken``), and
    the member that holds the order's points (``holder``)."""

    order: OrderRecord
    taken: refunds.RefundPlan
    holder: MemberState


def refund(
    order_id: str, request: RefundRequest, key_id: str | None = None, platform: refunds.PlatformRefund | None = None
) -> Refunded:
    program = programs.current()

    def read(_: int) -> Refunding | RefundRecord:
        existing = order_store.get_refund(request.refund_id)
        if existing is not None:
            return existing
        order = order_store.get_order(order_id)
        if order is None:
            raise OrderNotFound(f"No order '{order_id}'.")
        # What the order has left refuses a refund (refund_exceeds_order) before its member is read.
        taken = refunds_planned(order, request, platform)
        return Refunding(order, taken, owner_state(order.member_id, "all"))  # a merged member's: its taker

    def replayed(stored: RefundRecord) -> Refunded:
        check_owner(stored.order_id, order_id, "refund_id")
        return Refunded(replay(stored, program), created=False)

    return write_loop.write(
        read,
        lambda seen: plan(seen, request, program, clock.now(), key_id, platform is not None),
        replayed,
        budget=write_loop.MEMBER,
        contended=f"Refund '{request.refund_id}' could not be recorded; retry it.",
    )


def refunds_planned(
    order: OrderRecord, request: RefundRequest, platform: refunds.PlatformRefund | None = None
) -> refunds.RefundPlan:
    state = refund_state(order)
    if platform is not None:
        lines = [(ln.sku, ln.quantity) for ln in request.lines] if request.lines else None
        try:
            return refunds.by_platform(state, lines, platform)
        except refunds.OtherCurrency as error:
            raise InvalidInput(str(error), ["body"]) from error
    try:
        if request.amount_minor is not None:
            return refunds.by_amount(state, request.amount_minor)
        return refunds.by_lines(state, [(ln.sku, ln.quantity) for ln in request.lines or []])
    except refunds.Exceeds as error:
        raise RefundExceedsOrder(str(error)) from error


def _review_sooner(member: MemberRecord, program: Program, today: date) -> date | None:
    """Fewer qualifying points may bring the tier review closer: the exact day when it is sooner than
    the stored one (a refund is the one write that can), else the stored one."""
    levels = programs.tier_levels(program)
    tier = tiers.by_name(member.tier, levels)
    if tier.threshold <= levels[0].threshold:
        return member.due.tier_review
    exact = tier_review.next_review(
        member.qualifying, tier, today, program.tier_window_days, member.tier_since, levels[0]
    )
    current = member.due.tier_review
    return exact if current is None or exact < current else current


def bonuses_back(before: OrderRecord, after: OrderRecord) -> list[TxItem]:
    """A refund that takes the order's last points back takes its campaign bonuses back (they belong to
    the whole order, loyalty.domain.refunds): those given from a budget go back to the shares they came
    from, once, by the refund that reverses the order in full."""
    return budgets.returns(before) if before.reversed < before.points <= after.reversed else []


def plan(
    seen: Refunding | RefundRecord,
    request: RefundRequest,
    program: Program,
    now: datetime,
    key_id: str | None,
    from_platform: bool = False,
) -> Planned[RefundRecord, Refunded] | Found[RefundRecord]:
    """The refund of the order as read: the points taken back from the order's pending points first,
    then its own expiry day, then the days that expire soonest (beyond them: debt), its qualifying points
    taken back from the day it earned them; an existing refund is answered as it was."""
    if isinstance(seen, RefundRecord):
        return Found(seen)
    order, planned, state = seen.order, seen.taken, seen.holder
    member = state.member
    now_text = rfc3339(now)
    today = calendar.local_day(now, program.zone)
    reversal = balances.reverse(
        member.balances,
        planned.points_reversed,
        order_pending=order.pending_left,
        order_day=order.expires_on,
        lots=spendable(state.lots, today.isoformat()),
    )
    deltas = {day: -taken for day, taken in reversal.from_lots.items()}
    qualifying = tiers.take_back(
        member.qualifying,
        date.fromisoformat(order.earned_day),
        planned.points_reversed,
        today,
        program.tier_window_days,
    )
    after = replace(member, balances=reversal.balances, qualifying=qualifying, last_activity_at=now_text)
    after = replace(after, due=replace(after.due, tier_review=_review_sooner(after, program, today)))
    shares = (Fraction(order.refunded_share), planned.refunded_share)
    lots = lots_after(state.lots, deltas)
    won = challenges.on_refund(after, order, shares, lots, program, now, request.refund_id, key_id)
    after, deltas = won.member, {d: deltas.get(d, 0) + won.deltas.get(d, 0) for d in {*deltas, *won.deltas}}
    # A refund of a paid membership's line (or of the whole order) takes back what it granted.
    after, held_events = memberships.after_refund(member, after, order, planned, program, now)
    record = RefundRecord(
        refund_id=request.refund_id,
        order_id=order.order_id,
        points_reversed=planned.points_reversed,
        to_debt=reversal.to_debt,
        amount_minor=request.amount_minor,
        lines=[ln.model_dump() for ln in request.lines] if request.lines else None,
        entry=EntryFields(
            member.member_id,
            "refund",
            f"refund:{request.refund_id}",
            -planned.points_reversed,
            reversal.balances.available,
            now_text,
            key_id,
        ),
    )
    order_after = replace(
        order,
        reversed=planned.reversed_total,
        refunded_share=str(planned.refunded_share),
        refunded_value=str(planned.refunded_value),
        refunded_qty=planned.refunded_qty,
        refunded_paid=str(planned.refunded_paid) if from_platform else order.refunded_paid,
        pending_left=order.pending_left - reversal.from_pending,
        refunds=[*order.refunds, order_store.RefundSummary(request.refund_id, planned.points_reversed, now_text)],
    )
    change = MemberChange.of(
        state,
        after,
        now_text,
        [
            Event(
                "points.refunded",
                {
                    "order_id": order.order_id,
                    "refund_id": request.refund_id,
                    "points": planned.points_reversed,
                    **({"challenge_points": won.reversed_points} if won.reversed_points else {}),
                },
            ),
            *won.events,
            *held_events,
        ],
        entry=EntryPut(record.to_item(), RefundRecord.from_item),
        lot_deltas=deltas,
        more=[order_store.refund_state_update(order, order_after), *bonuses_back(order, order_after), *won.entries],
        booking=Booking(
            "reversed",
            today.isoformat(),
            counters={"pending_p": -reversal.from_pending} if reversal.from_pending else {},
        ),
    )
    result = RefundResult(
        refund_id=request.refund_id,
        order_id=order.order_id,
        points_reversed=planned.points_reversed,
        member=member_view(after, lots_after(state.lots, deltas), program, now),
    )
    return Planned(change, Refunded(result, created=True))


def replay(stored: RefundRecord, program: Program) -> RefundResult:
    state = member_reads.read(stored.entry.member_id)
    assert state is not None  # a refund exists only for an enrolled member
    return RefundResult(
        refund_id=stored.refund_id,
        order_id=stored.order_id,
        points_reversed=stored.points_reversed,
        member=state_view(state, program, clock.now()),
    )
