"""Redemption, vouchers, cancel and adjustments through the services, on moto and DynamoDB Local."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from loyalty.adapters import clock
from loyalty.domain.errors import (
    InsufficientPoints,
    LimitReached,
    OutOfStock,
    RedemptionCancelled,
    RedemptionUsed,
    RewardNotFound,
    RewardUnavailable,
)
from loyalty.models.adjustment import AdjustmentRequest
from loyalty.services import adjustments, members, redemptions, rewards
from tests.counting import DynamoCalls
from tests.rewarding import configure, earn, member_with_points, redeem, reward

NOW = datetime(2026, 11, 22, 18, 0, tzinfo=UTC)


@pytest.fixture
def shop(aws: str) -> None:
    clock.set_clock(lambda: NOW)
    configure()


def test_a_redemption_debits_issues_a_code_and_is_idempotent(shop: None) -> None:
    member_with_points("m-1", 500)
    reward("coffee", 200, stock=10)
    first = redeem("m-1", "r-1", "coffee")
    assert first.created and first.result.status == "issued" and first.result.points_spent == 200
    assert len(first.result.code) >= 14 and first.result.member.points.available == 300
    again = redeem("m-1", "r-1", "coffee")
    assert not again.created and again.result.code == first.result.code
    assert members.get("m-1").points.available == 300
    assert redemptions.by_code(first.result.code).redemption_id == "r-1"
    listed = {r.reward_id: r for r in rewards.redeemable(25, None).items}
    assert listed["coffee"].stock_remaining == 9


def test_each_refusal_names_its_reason_and_changes_nothing(shop: None) -> None:
    member_with_points("m-1", 150)
    reward("big", 1000)
    reward("gone", 10, stock=0)
    reward("off", 10, active=False)
    reward("later", 10, available_from="2027-01-01T00:00:00Z")
    reward("gold", 10, min_tier="Gold")
    reward("once", 10, per_member_limit=1)
    cases = [
        ("big", InsufficientPoints),
        ("gone", OutOfStock),
        ("off", RewardUnavailable),
        ("later", RewardUnavailable),
        ("gold", RewardUnavailable),
        ("nope", RewardNotFound),
    ]
    for reward_id, error in cases:
        with pytest.raises(error):
            redeem("m-1", f"r-{reward_id}", reward_id)
    redeem("m-1", "r-once-1", "once")
    with pytest.raises(LimitReached):
        redeem("m-1", "r-once-2", "once")
    assert members.get("m-1").points.available == 140
    listed = {r.reward_id for r in rewards.redeemable(25, None).items}
    assert listed == {"big", "gold", "once"}


def test_points_come_from_the_soonest_expiring_lot_and_cancel_puts_them_back(shop: None) -> None:
    member_with_points("m-1", 0)
    earn("m-1", "june", 100, "2026-06-15T15:00:00Z")  # expires 2027-06-15
    earn("m-1", "march", 100, "2026-03-10T15:00:00Z")  # expires 2027-03-10
    reward("mug", 150, stock=1)
    issued = redeem("m-1", "r-1", "mug").result
    assert [e.model_dump() for e in issued.member.expiring] == [{"points": 50, "expires_on": "2027-06-15"}]
    cancelled = redemptions.cancel("r-1")
    assert cancelled.status == "cancelled"
    assert [e.model_dump() for e in cancelled.member.expiring] == [
        {"points": 100, "expires_on": "2027-03-10"},
        {"points": 100, "expires_on": "2027-06-15"},
    ]
    assert redemptions.cancel("r-1").status == "cancelled"  # a retry changes nothing
    assert members.get("m-1").points.available == 200
    assert {r.reward_id: r.stock_remaining for r in rewards.redeemable(25, None).items} == {"mug": 1}
    with pytest.raises(RedemptionCancelled):
        redemptions.use("r-1")


def test_a_used_voucher_cannot_be_cancelled(shop: None) -> None:
    member_with_points("m-1", 100)
    reward("tea", 50)
    issued = redeem("m-1", "r-1", "tea").result
    assert redemptions.use("r-1").status == "used"
    assert redemptions.use("r-1").status == "used"
    with pytest.raises(RedemptionUsed):
        redemptions.cancel("r-1")
    assert redemptions.by_code(issued.code).status == "used"


def test_redemption_costs_two_round_trips_when_uncontended(shop: None) -> None:
    member_with_points("m-1", 500)
    reward("coffee", 100, stock=5, per_member_limit=3)
    redeem("m-1", "warm", "coffee")  # a warm function has the reward cached
    with DynamoCalls() as calls:
        redeem("m-1", "r-1", "coffee")
    assert calls.operations == ["Query", "TransactWriteItems"]


def test_adjustments_credit_debit_never_below_zero_and_record_the_actor(shop: None) -> None:
    member_with_points("m-1", 100)
    credit = adjustments.adjust(
        "m-1", AdjustmentRequest(adjustment_id="a-1", points=50, reason="goodwill"), "support desk"
    )
    assert credit.created and credit.entry.points == 50 and credit.entry.balance_after == 150
    assert credit.entry.reason == "goodwill"
    again = adjustments.adjust(
        "m-1", AdjustmentRequest(adjustment_id="a-1", points=50, reason="goodwill"), "support desk"
    )
    assert not again.created
    with pytest.raises(InsufficientPoints):
        adjustments.adjust("m-1", AdjustmentRequest(adjustment_id="a-2", points=-151, reason="fraud"), "ops")
    debit = adjustments.adjust("m-1", AdjustmentRequest(adjustment_id="a-3", points=-150, reason="fraud"), "ops")
    assert debit.entry.balance_after == 0 and members.get("m-1").points.available == 0


def test_a_reward_change_is_seen_by_the_next_redemption(shop: None, aws: Any) -> None:
    member_with_points("m-1", 500)
    reward("coffee", 100)
    redeem("m-1", "r-1", "coffee")
    # Another instance changes the price; this one's cache still says 100.
    from loyalty.models.reward import RewardPut
    from loyalty.store import rewards as reward_store

    cached = rewards.cached("coffee")
    assert cached is not None
    reward_store.put(
        "coffee", {**{k: v for k, v in cached.items() if k != "reward_id"}, "cost_points": 300, "revision": 1}
    )
    assert redeem("m-1", "r-2", "coffee").result.points_spent == 300
    assert RewardPut  # imported for clarity of what an admin write is


def test_an_emptied_lot_leaves_the_expiry_index_and_a_cancel_puts_it_back(shop: None) -> None:
    from loyalty.store import keys
    from loyalty.store.entries import get

    member_with_points("m-1", 100, placed_at="2026-03-10T15:00:00Z")
    reward("all", 100)
    lot_key = keys.lot("m-1", "2027-03-10")
    assert "GSI2PK" in (get(lot_key) or {})
    redeem("m-1", "r-1", "all")
    emptied = get(lot_key) or {}
    assert emptied["available"] == 0 and "GSI2PK" not in emptied
    redemptions.cancel("r-1")
    restored = get(lot_key) or {}
    assert restored["available"] == 100 and restored["GSI2PK"].startswith("DUE#EXPIRE#2027-03-10#")
