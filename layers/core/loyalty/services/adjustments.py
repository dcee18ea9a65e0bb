"""Admin adjustments: signed points with a reason and the acting key's label, exactly once."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from loyalty.adapters import clock
from loyalty.domain import calendar
from loyalty.domain.errors import InsufficientPoints, LoyaltyError
from loyalty.domain.spending import NotEnoughPoints, take_soonest_first
from loyalty.models.adjustment import AdjustmentRequest
from loyalty.models.common import rfc3339
from loyalty.models.entry import Entry
from loyalty.services import program as programs
from loyalty.services.ledger import (
    active_partition,
    apply_lot,
    balance_update,
    balances_of,
    entry_fields,
    entry_view,
    lots_of,
)
from loyalty.services.retry import MAX_ATTEMPTS, Contended, pause
from loyalty.store import entries, keys, transactions
from loyalty.store import orders as order_store
from loyalty.store import redemptions as redemption_store
from loyalty.store.client import Item


@dataclass(frozen=True)
class Adjusted:
    entry: Entry
    created: bool


def adjust(member_id: str, request: AdjustmentRequest, actor: str) -> Adjusted:
    """A credit lands in today's lot (it expires like points earned today); a debit takes from the
    soonest-expiring lots and never goes below zero."""
    program = programs.current()
    for attempt in range(MAX_ATTEMPTS):
        try:
            result = _attempt(member_id, request, actor, program)
        except LoyaltyError:
            stored = _stored(request.adjustment_id)
            if stored is not None:
                return Adjusted(entry_view(stored), created=False)
            raise
        if result is not None:
            return result
        pause(attempt)
    raise Contended(f"Adjustment '{request.adjustment_id}' could not be recorded; retry it.")


def _attempt(member_id: str, request: AdjustmentRequest, actor: str, program: Any) -> Adjusted | None:
    partition = active_partition(member_id)
    now = clock.now()
    now_text = rfc3339(now)
    balances = balances_of(partition.profile)
    changes: list[order_store.LotChange] = []
    if request.points < 0:
        try:
            today = calendar.local_day(now, program.zone).isoformat()
            spendable = [lot for lot in lots_of(partition.lots) if lot.expires_on >= today]  # ended lots are expired
            takes = take_soonest_first(spendable, -request.points)
        except NotEnoughPoints as error:
            raise InsufficientPoints(f"Only {balances.available} points are available to debit.") from error
        changes = [order_store.LotChange(day, available=-points) for day, points in takes.items()]
    else:
        expires_on = calendar.expires_on(now, program.zone, program.expiry_months).isoformat()
        due = None
        if expires_on != calendar.NEVER.isoformat():
            due = keys.due("EXPIRE", expires_on, member_id, f"LOT#{member_id}#{expires_on}")
        changes = [order_store.LotChange(expires_on, available=request.points, due_key=due)]
    after = replace(balances, available=balances.available + request.points)
    entry: Item = {
        "adjustment_id": request.adjustment_id,
        "member_id": member_id,
        "reason": request.reason,
        "actor": actor,
        **entry_fields(
            member_id, "adjust", f"adjust:{request.adjustment_id}", request.points, after.available, now_text
        ),
    }
    lots_after = partition.lots
    for change in changes:
        lots_after = apply_lot(lots_after, member_id, change.expires_on, change.available, 0)
    local_day = calendar.local_day(now, program.zone)
    items = [
        redemption_store.put_entry(keys.adjustment(request.adjustment_id), entry),
        balance_update(partition.profile, after, lots_after, local_day, last_activity_at=now_text),
        *(order_store.lot_update(member_id, change, guard=change.available < 0) for change in changes),
    ]
    outcome = transactions.run(items)
    if outcome.written:
        return Adjusted(entry_view(entry), created=True)
    if outcome.failed_at(0) and outcome.failed[0]:
        return Adjusted(entry_view(outcome.failed[0] or {}), created=False)
    return None


def _stored(adjustment_id: str) -> Item | None:
    return entries.get(keys.adjustment(adjustment_id))
