"""An order's refund state as the store keeps it between refunds, for the refund arithmetic's tests."""

from __future__ import annotations

from loyalty.domain.refunds import RefundPlan, RefundState


def after(state: RefundState, plan: RefundPlan) -> RefundState:
    """``state`` once ``plan`` is applied (what the order item holds for the next refund)."""
    return RefundState(
        state.points,
        state.net_total,
        state.lines,
        plan.reversed_total,
        plan.refunded_share,
        plan.refunded_value,
        plan.refunded_qty,
        state.paid,
        plan.refunded_paid,
    )
