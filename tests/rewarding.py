"""Helpers for suites that need members with points and rewards in the catalog."""

from __future__ import annotations

from typing import Any

from harness.programs import program_document
from loyalty.models.member import EnrollRequest
from loyalty.models.order import OrderRequest
from loyalty.models.program import Program
from loyalty.models.reward import RedemptionRequest, RewardPut
from loyalty.services import accrual, members, program, redemptions, rewards


def configure(**overrides: Any) -> Program:
    return program.save(Program.model_validate(program_document(**overrides)))


def member_with_points(member_id: str, points: int, placed_at: str = "2026-11-22T15:00:00Z") -> None:
    """Enroll a member and credit exactly ``points`` (1 point per 1.00, Bronze, shoes earn x1)."""
    members.enroll(EnrollRequest(member_id=member_id, email=f"{member_id}@example.com"))
    if points:
        earn(member_id, f"seed-{member_id}-{placed_at}", points, placed_at)


def earn(member_id: str, order_id: str, points: int, placed_at: str) -> None:
    order = OrderRequest.model_validate(
        {
            "order_id": order_id,
            "member_id": member_id,
            "currency": "USD",
            "placed_at": placed_at,
            "lines": [{"sku": "SEED", "category": "shoes", "quantity": 1, "unit_price_minor": points * 100}],
        }
    )
    accrual.accrue(order)


def reward(reward_id: str, cost: int, **fields: Any) -> None:
    body = {"name": reward_id, "kind": "voucher", "cost_points": cost, **fields}
    rewards.put(reward_id, RewardPut.model_validate(body))


def redeem(member_id: str, redemption_id: str, reward_id: str) -> redemptions.Redeemed:
    return redemptions.redeem(member_id, RedemptionRequest(redemption_id=redemption_id, reward_id=reward_id))
