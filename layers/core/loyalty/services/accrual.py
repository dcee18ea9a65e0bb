"""Accrual: one order credited exactly once, whether it came by the API or the queue.

Cost: one Query (member + lots) and one TransactWriteItems (order, member, lot) per order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools import Logger

from loyalty.adapters import clock
from loyalty.domain import balances, calendar, earning, tiers
from loyalty.domain.errors import InvalidInput, MemberNotFound
from loyalty.models.common import rfc3339
from loyalty.models.order import BonusOut, BreakdownLine, OrderAccrued, OrderRequest
from loyalty.models.program import Program
from loyalty.services import member_due
from loyalty.services import program as programs
from loyalty.services.ledger import active_partition, apply_lot, balance_update, balances_of, entry_fields
from loyalty.services.member_view import member_view
from loyalty.services.retry import MAX_ATTEMPTS, Contended, pause
from loyalty.store import keys
from loyalty.store import orders as order_store
from loyalty.store.client import Item
from loyalty.store.members import read_partition

logger = Logger(child=True)


@dataclass(frozen=True)
class Accrued:
    result: OrderAccrued
    created: bool


def earning_rules(program: Program) -> earning.EarningRules:
    return earning.EarningRules(
        points_per_unit=program.points_per_unit,
        sku_multipliers=dict(program.sku_multipliers),
        category_multipliers=dict(program.category_multipliers),
        excluded_categories=frozenset(program.excluded_categories),
        campaigns=[
            earning.CampaignRule(
                campaign_id=c.campaign_id,
                starts_at=c.starts_at,
                ends_at=c.ends_at,
                multiplier=c.multiplier,
                bonus_points=c.bonus_points,
                categories=frozenset(c.categories) if c.categories is not None else None,
            )
            for c in program.campaigns
        ],
    )


def accrue(request: OrderRequest) -> Accrued:
    program = programs.current()
    if request.currency != program.currency:
        raise InvalidInput(f"This program's currency is {program.currency}.", ["body", "currency"])
    for attempt in range(MAX_ATTEMPTS):
        try:
            partition = active_partition(request.member_id)
        except MemberNotFound:
            stored = order_store.get_order(request.order_id)
            if stored is not None:  # same order id, whatever the body: the first result
                return Accrued(replay(stored, program), created=False)
            raise
        order, member_change, lot_change, answer = plan(request, partition.profile, partition.lots, program)
        written = order_store.record_accrual(order, member_change, lot_change)
        if written.outcome == "written":
            return Accrued(answer, created=True)
        if written.outcome == "replay" and written.existing is not None:
            return Accrued(replay(written.existing, program), created=False)
        pause(attempt)
    raise Contended(f"Order '{request.order_id}' could not be recorded; retry it.")


def plan(
    request: OrderRequest, profile: Item, lot_items: list[Item], program: Program
) -> tuple[Item, dict[str, Any], dict[str, Any] | None, OrderAccrued]:
    """Everything the accrual transaction writes, computed from one read of the member."""
    now = clock.now()
    now_text = rfc3339(now)
    zone = program.zone
    levels = programs.tier_levels(program)
    tier = tiers.by_name(profile.get("tier"), levels)
    lines = [
        earning.OrderLine(ln.sku, ln.category, ln.quantity, ln.unit_price_minor, ln.discount_minor)
        for ln in request.lines
    ]
    earned = earning.earn(
        lines,
        request.discount_minor,
        earning_rules(program),
        earning.Context(request.placed_at, tier.name, tier.multiplier),
    )
    member_id = request.member_id
    earned_day = calendar.local_day(request.placed_at, zone).isoformat()
    first_day = balances.window_start(calendar.local_day(now, zone), program.tier_window_days)
    available_at = calendar.available_at(request.placed_at, zone, program.pending_days)
    # Without a pending period points are available at once, even when the storefront's clock runs
    # ahead of ours and placed_at lies a little in the future.
    pending = program.pending_days > 0 and available_at > now
    credit = balances.credit(
        balances_of(profile), earned.points, pending=pending, earned_day=earned_day, first_day=first_day
    )
    after = credit.balances
    qualifying = sum(after.earned_by_day.values())
    new_tier = max(tier, tiers.tier_for(qualifying, levels), key=lambda level: level.threshold)
    expires_on = calendar.expires_on(request.placed_at, zone, program.expiry_months).isoformat()

    lot_change = None
    if credit.credited > 0:
        expiry_due = None
        if expires_on != calendar.NEVER.isoformat():
            expiry_due = keys.due("EXPIRE", expires_on, member_id, f"LOT#{member_id}#{expires_on}")
        lot_change = order_store.lot_update(
            member_id,
            order_store.LotChange(
                expires_on=expires_on,
                available=0 if pending else credit.credited,
                pending=credit.credited if pending else 0,
                due_key=expiry_due,
            ),
        )
    lots_after = (
        apply_lot(
            lot_items, member_id, expires_on, 0 if pending else credit.credited, credit.credited if pending else 0
        )
        if lot_change
        else lot_items
    )
    today = calendar.local_day(now, zone)
    due = member_due.after_accrual(profile, new_tier, after.earned_by_day, program, today)
    member_change = balance_update(
        profile, after, lots_after, today, keep=due.keep, tier=new_tier.name, last_activity_at=now_text, **due.fields
    )
    status = "pending" if pending else "available"
    breakdown = [BreakdownLine(sku=line.sku, points=line.points, rules=line.rules) for line in earned.lines]
    bonuses = [BonusOut(campaign_id=bonus.campaign_id, points=bonus.points) for bonus in earned.bonuses]
    net_total = earned.net_minor  # after line and order discounts: what a refund by amount is a share of
    order: Item = {
        "order_id": request.order_id,
        "member_id": member_id,
        "placed_at": rfc3339(request.placed_at),
        "points": earned.points,
        "credited": credit.credited,
        "status": status,
        "available_at": rfc3339(available_at),
        "lines": [
            {"sku": r.sku, "quantity": ln.quantity, "points": r.points, "rules": r.rules, "exact": str(r.exact)}
            for r, ln in zip(earned.lines, lines, strict=True)
        ],
        "bonuses": [b.model_dump() for b in bonuses],
        "net_total": str(net_total),
        "earned_day": earned_day,
        "lot": expires_on if lot_change else None,
        "pending_left": credit.credited if pending else 0,
        "reversed": 0,
        "refunded_share": "0",
        "refunded_value": "0",
        "refunded_qty": {},
        "version": 0,
        **entry_fields(member_id, "earn", f"earn:{request.order_id}", earned.points, after.available, now_text),
    }
    if pending and credit.credited > 0:
        day = calendar.local_day(available_at, zone).isoformat()
        order.update(keys.due("MATURE", day, member_id, f"ORDER#{request.order_id}"))
    profile_after = {
        **profile,
        "available": after.available,
        "pending": after.pending,
        "lifetime_earned": after.lifetime_earned,
        "debt": after.debt,
        "earned_by_day": after.earned_by_day,
        "tier": new_tier.name,
        "last_activity_at": now_text,
    }
    answer = OrderAccrued(
        order_id=request.order_id,
        member_id=member_id,
        points=earned.points,
        status=status,
        available_at=available_at,
        breakdown=breakdown,
        bonuses=bonuses,
        member=member_view(profile_after, lots_after, program, now),
    )
    return order, member_change, lot_change, answer


def replay(order: Item, program: Program) -> OrderAccrued:
    """The first result of an order, with the member as it is now."""
    partition = read_partition(order["member_id"])
    if partition is None:
        raise MemberNotFound(f"No member '{order['member_id']}'.")
    return OrderAccrued(
        order_id=order["order_id"],
        member_id=order["member_id"],
        points=int(order["points"]),
        status=order["status"],
        available_at=order["available_at"],
        breakdown=[
            BreakdownLine(sku=ln["sku"], points=int(ln["points"]), rules=list(ln["rules"])) for ln in order["lines"]
        ],
        bonuses=[BonusOut.model_validate(b) for b in order.get("bonuses", [])],
        member=member_view(partition.profile, partition.lots, program),
    )
