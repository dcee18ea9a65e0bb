"""Refunds: take back what the refunded part of an order earned, exactly once per refund_id."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from loyalty.adapters import clock
from loyalty.domain import balances, calendar, refunds
from loyalty.domain.errors import OrderNotFound, RefundExceedsOrder
from loyalty.models.common import rfc3339
from loyalty.models.order import RefundRequest, RefundResult
from loyalty.models.program import Program
from loyalty.services import member_due
from loyalty.services import program as programs
from loyalty.services.ledger import active_partition, apply_lot, balance_update, balances_of, entry_fields, lots_of
from loyalty.services.member_view import member_view
from loyalty.services.retry import MAX_ATTEMPTS, Contended, pause
from loyalty.store import orders as order_store
from loyalty.store.client import Item
from loyalty.store.members import read_partition


@dataclass(frozen=True)
class Refunded:
    result: RefundResult
    created: bool


def refund_state(order: Item) -> refunds.RefundState:
    """Exact values are stored as strings ("1/3", "12.5") so no rounding creeps in between refunds."""
    return refunds.RefundState(
        points=int(order["points"]),
        net_total=Fraction(str(order["net_total"])),
        lines=[refunds.EarnedLine(ln["sku"], int(ln["quantity"]), Fraction(str(ln["exact"]))) for ln in order["lines"]],
        reversed=int(order.get("reversed", 0)),
        refunded_share=Fraction(str(order.get("refunded_share", "0"))),
        refunded_value=Fraction(str(order.get("refunded_value", "0"))),
        refunded_qty={str(k): int(v) for k, v in (order.get("refunded_qty") or {}).items()},
    )


def refund(order_id: str, request: RefundRequest) -> Refunded:
    program = programs.current()
    for attempt in range(MAX_ATTEMPTS):
        existing = order_store.get_refund(request.refund_id)
        if existing is not None:
            return Refunded(replay(existing, program), created=False)
        order = order_store.get_order(order_id)
        if order is None:
            raise OrderNotFound(f"No order '{order_id}'.")
        state = refund_state(order)
        try:
            if request.amount_minor is not None:
                planned = refunds.by_amount(state, request.amount_minor)
            else:
                planned = refunds.by_lines(state, [(ln.sku, ln.quantity) for ln in request.lines or []])
        except refunds.Exceeds as error:
            raise RefundExceedsOrder(str(error)) from error
        written = _write(order, request, planned, program)
        if isinstance(written, RefundResult):
            return Refunded(written, created=True)
        if written is not None:
            return Refunded(replay(written, program), created=False)
        pause(attempt)
    raise Contended(f"Refund '{request.refund_id}' could not be recorded; retry it.")


def _write(
    order: Item, request: RefundRequest, planned: refunds.RefundPlan, program: Program
) -> RefundResult | Item | None:
    """Write the refund; the result when written, the stored refund on a replay, None to retry."""
    member_id = order["member_id"]
    partition = active_partition(member_id)
    now = clock.now()
    now_text = rfc3339(now)
    first_day = balances.window_start(calendar.local_day(now, program.zone), program.tier_window_days)
    pending_left = int(order.get("pending_left", 0))
    reversal = balances.reverse(
        balances_of(partition.profile),
        planned.points_reversed,
        order_pending=pending_left,
        order_lot=order.get("lot"),
        lots=lots_of(partition.lots),
        earned_day=str(order.get("earned_day", "")),
        first_day=first_day,
    )
    lot_changes = []
    lots_after = partition.lots
    if reversal.from_pending:
        change = order_store.LotChange(expires_on=str(order["lot"]), pending=-reversal.from_pending)
        lot_changes.append(change)
        lots_after = apply_lot(lots_after, member_id, change.expires_on, 0, change.pending)
    for expires_on, taken in reversal.from_lots.items():
        lot_changes.append(order_store.LotChange(expires_on=expires_on, available=-taken))
        lots_after = apply_lot(lots_after, member_id, expires_on, -taken, 0)
    # Merge the pending and available takes of the same lot into one update: a transaction may
    # touch an item only once.
    merged: dict[str, order_store.LotChange] = {}
    for change in lot_changes:
        before = merged.get(change.expires_on, order_store.LotChange(change.expires_on))
        merged[change.expires_on] = order_store.LotChange(
            change.expires_on, before.available + change.available, before.pending + change.pending
        )
    refund_item: Item = {
        "refund_id": request.refund_id,
        "order_id": order["order_id"],
        "member_id": member_id,
        "points_reversed": planned.points_reversed,
        "to_debt": reversal.to_debt,
        "amount_minor": request.amount_minor,
        "lines": [ln.model_dump() for ln in request.lines] if request.lines else None,
        **entry_fields(
            member_id,
            "refund",
            f"refund:{request.refund_id}",
            -planned.points_reversed,
            reversal.balances.available,
            now_text,
        ),
    }
    order_change = order_store.order_update(
        order["order_id"],
        int(order.get("version", 0)),
        reversed=planned.reversed_total,
        refunded_share=str(planned.refunded_share),
        refunded_value=str(planned.refunded_value),
        refunded_qty=planned.refunded_qty,
        pending_left=pending_left - reversal.from_pending,
    )
    # Fewer qualifying points may bring the member's tier review closer.
    today = calendar.local_day(now, program.zone)
    review = member_due.after_refund(partition.profile, reversal.balances.earned_by_day, program, today)
    member_change = balance_update(
        partition.profile, reversal.balances, lots_after, today, last_activity_at=now_text, **review
    )
    written = order_store.record_refund(
        refund_item,
        order_change,
        member_change,
        [order_store.lot_update(member_id, change, guard=True) for change in merged.values()],
    )
    if written.outcome == "replay":
        return written.existing
    if written.outcome == "retry":
        return None
    profile_after = {**partition.profile, **_balances_item(reversal.balances), "last_activity_at": now_text}
    return RefundResult(
        refund_id=request.refund_id,
        order_id=order["order_id"],
        points_reversed=planned.points_reversed,
        member=member_view(profile_after, lots_after, program, now),
    )


def _balances_item(after: balances.Balances) -> Item:
    return {
        "available": after.available,
        "pending": after.pending,
        "lifetime_earned": after.lifetime_earned,
        "debt": after.debt,
        "earned_by_day": after.earned_by_day,
    }


def replay(stored: Item, program: Program) -> RefundResult:
    partition = read_partition(stored["member_id"])
    assert partition is not None  # a refund exists only for an enrolled member
    return RefundResult(
        refund_id=stored["refund_id"],
        order_id=stored["order_id"],
        points_reversed=int(stored["points_reversed"]),
        member=member_view(partition.profile, partition.lots, program),
    )
