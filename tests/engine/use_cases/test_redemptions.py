"""Redemption, vouchers, cancel and adjustments through the services, on moto and DynamoDB Local."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from harness.counting import DynamoCalls
from loyalty.adapters import clock
from loyalty.domain import errors
from loyalty.models.adjustment import AdjustmentRequest
from loyalty.services import adjustments, members, redemptions, rewards
from loyalty.store import client as store_client
from loyalty.store import entries, keys
from tests.conftest import table_items
from tests.rewarding import configure, earn, member_with_points, redeem, reward

# The engine decides these outcomes (transactions, conditions, index queries): moto and DynamoDB Local.
pytestmark = pytest.mark.engine

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
        ("big", errors.InsufficientPoints),
        ("gone", errors.OutOfStock),
        ("off", errors.RewardUnavailable),
        ("later", errors.RewardUnavailable),
        ("gold", errors.RewardUnavailable),
        ("nope", errors.RewardNotFound),
    ]
    for reward_id, error in cases:
        with pytest.raises(error):
            redeem("m-1", f"r-{reward_id}", reward_id)
    redeem("m-1", "r-once-1", "once")
    with pytest.raises(errors.LimitReached):
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
    with pytest.raises(errors.RedemptionCancelled):
        redemptions.use("r-1")


def test_a_used_voucher_cannot_be_cancelled(shop: None) -> None:
    member_with_points("m-1", 100)
    reward("tea", 50)
    issued = redeem("m-1", "r-1", "tea").result
    assert redemptions.use("r-1").status == "used"
    assert redemptions.use("r-1").status == "used"
    with pytest.raises(errors.RedemptionUsed):
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
    desk = adjustments.Actor(key_id="key_00000000000000aa", label="support desk")
    credit = adjustments.adjust("m-1", AdjustmentRequest(adjustment_id="a-1", points=50, reason="goodwill"), desk)
    assert credit.created and credit.result.points == 50 and credit.result.balance_after == 150
    assert credit.result.reason == "goodwill"
    stored = entries.get_adjustment("a-1")
    assert stored is not None and (stored.actor, stored.entry.key_id) == ("support desk", "key_00000000000000aa")
    again = adjustments.adjust("m-1", AdjustmentRequest(adjustment_id="a-1", points=50, reason="goodwill"), desk)
    assert not again.created
    with pytest.raises(errors.InsufficientPoints):
        adjustments.adjust("m-1", AdjustmentRequest(adjustment_id="a-2", points=-151, reason="fraud"), desk)
    debit = adjustments.adjust("m-1", AdjustmentRequest(adjustment_id="a-3", points=-150, reason="fraud"), desk)
    assert debit.result.balance_after == 0 and members.get("m-1").points.available == 0


def test_a_reward_change_is_seen_by_the_next_redemption(shop: None, aws: Any) -> None:
    member_with_points("m-1", 500)
    reward("coffee", 100)
    redeem("m-1", "r-1", "coffee")
    # Another instance changes the price; this one's cache still says 100.
    from loyalty.store import rewards as reward_store

    cached = rewards.cached("coffee")
    assert cached is not None
    reward_store.put(replace(cached, fields={**cached.fields, "cost_points": 300}, revision=cached.revision + 1))
    assert redeem("m-1", "r-2", "coffee").result.points_spent == 300


def test_a_redemption_that_empties_a_month_deletes_its_lot_and_a_cancel_gives_the_days_back(shop: None) -> None:
    from loyalty.store import member_reads

    member_with_points("m-1", 100, placed_at="2026-11-10T15:00:00Z")
    reward("all", 100)
    before = member_reads.read("m-1", "all")
    assert before is not None and before.lots == {"2027-11-10": 100}
    redeem("m-1", "r-1", "all")
    emptied = member_reads.read("m-1", "all")
    assert emptied is not None and emptied.lots == {}
    assert not [item for item in table_items(store_client.dynamodb()) if item["SK"]["S"].startswith(keys.LOT_PREFIX)]
    redemptions.cancel("r-1")
    restored = member_reads.read("m-1", "all")
    assert restored is not None and restored.lots == {"2027-11-10": 100}
    # The member's expiry day never moved past the points that came back.
    assert restored.member.due.expiry is not None and restored.member.due.expiry.isoformat() <= "2027-11-10"


def test_a_voucher_is_found_as_a_shopper_types_it_and_a_malformed_code_is_not_found(shop: None) -> None:
    member_with_points("m-1", 500)
    reward("coffee", 100)
    code = redeem("m-1", "r-1", "coffee").result.code
    typed = f" {code[:4].lower()}-{code[4:9]} {code[9:].lower()} "
    assert redemptions.by_code(typed).redemption_id == "r-1"
    for wrong in ("", "0" * 14, code[:-1], code + "X", "not a code at all"):
        with pytest.raises(errors.RedemptionNotFound):
            redemptions.by_code(wrong)


def _seven_months(member_id: str, cost: int) -> None:
    """100 points earned on the 10th of each month from January to July 2026: lots that expire on the
    10th of January to July 2027, one lot item per month. And a reward of ``cost`` that another member
    redeemed first, so that a warm function has it cached (and the voucher codes' secret exists)."""
    member_with_points(member_id, 0)
    for month in range(1, 8):
        earn(member_id, f"{member_id}-{month}", 100, f"2026-{month:02d}-10T15:00:00Z")
    reward("prize", cost)
    member_with_points("warm", cost)
    redeem("warm", "warm", "prize")


def test_a_redemption_the_soonest_months_pay_for_reads_only_those(shop: None) -> None:
    from loyalty.store import member_reads

    _seven_months("m-1", 150)
    with DynamoCalls() as calls:
        issued = redeem("m-1", "r-1", "prize").result
    # One page of the member's partition: the profile and its first four months, not the seven.
    assert calls.operations == ["Query", "TransactWriteItems"]
    assert calls.items_returned == 1 + member_reads.FIRST_LOT_MONTHS
    after = member_reads.read("m-1", "all")
    assert after is not None and after.complete
    assert after.lots == {"2027-02-10": 50, **{f"2027-{month:02d}-10": 100 for month in range(3, 8)}}
    assert after.member.balances.available == 550
    # The answer lists the next three expiry days, as a read of every month would.
    assert [e.model_dump() for e in issued.member.expiring] == [
        {"points": 50, "expires_on": "2027-02-10"},
        {"points": 100, "expires_on": "2027-03-10"},
        {"points": 100, "expires_on": "2027-04-10"},
    ]


def test_a_redemption_that_would_leave_too_few_expiry_days_read_to_show_reads_on(shop: None) -> None:
    _seven_months("m-1", 350)
    with DynamoCalls() as calls:
        issued = redeem("m-1", "r-1", "prize").result
    assert calls.items_returned == 1 + 7  # the four months paid, but only April would be left to show
    assert [e.model_dump() for e in issued.member.expiring] == [
        {"points": 50, "expires_on": "2027-04-10"},
        {"points": 100, "expires_on": "2027-05-10"},
        {"points": 100, "expires_on": "2027-06-10"},
    ]


def test_a_redemption_the_first_months_cannot_pay_for_reads_the_rest_and_still_takes_the_soonest(shop: None) -> None:
    from loyalty.store import member_reads

    _seven_months("m-1", 550)
    with DynamoCalls() as calls:
        redeem("m-1", "r-1", "prize")
    assert calls.operations == ["Query", "Query", "TransactWriteItems"]
    assert calls.items_returned == 1 + 7
    after = member_reads.read("m-1", "all")
    assert after is not None and after.lots == {"2027-06-10": 50, "2027-07-10": 100}
    assert after.member.balances.available == 150


def test_points_of_ended_days_the_expiry_run_has_not_settled_do_not_pay_and_are_read_past(shop: None) -> None:
    from loyalty.store import member_reads

    _seven_months("m-1", 350)
    # Three months of points ended before the expiry job ran: the balance still counts them (700), but
    # only the four later months may pay, so the read goes past the first four months.
    clock.set_clock(lambda: datetime(2027, 3, 20, 12, 0, tzinfo=UTC))
    assert members.get("m-1").points.available == 700
    with DynamoCalls() as calls:
        redeem("m-1", "r-1", "prize")
    assert calls.items_returned == 1 + 7  # the first page, then the rest: each month read once
    after = member_reads.read("m-1", "all")
    assert after is not None
    assert after.lots == {"2027-01-10": 100, "2027-02-10": 100, "2027-03-10": 100, "2027-07-10": 50}
    reward("more", 100)
    with pytest.raises(errors.InsufficientPoints):
        redeem("m-1", "r-2", "more")
