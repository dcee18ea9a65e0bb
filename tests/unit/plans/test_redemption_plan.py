"""The plans of a voucher's life, as the write loop hands them what it read: redeem, use, cancel. No moto."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from harness.plans import NOW, by_role, member, program, put, reward, state, values
from loyalty.domain.errors import InsufficientPoints, OutOfStock, RedemptionCancelled, RedemptionUsed, RewardUnavailable
from loyalty.domain.valuation import Portion
from loyalty.models.reward import RedemptionRequest
from loyalty.services.redemptions import RedeemRead, plan
from loyalty.services.vouchers import MEMBER_GONE, CancelRead, plan_cancel, plan_use
from loyalty.store.outbox import unpack
from loyalty.store.redemptions import RedemptionRecord
from loyalty.store.transactions import TxResult
from loyalty.store.unit_of_work import Refused, Retry
from loyalty.store.write_loop import Again, Done, Planned, Prepared, books_of

REQUEST = RedemptionRequest(redemption_id="rd-1", reward_id="coffee")
CODE = "ABCDEFGHJKMNPQ"
LOTS = {"2026-07-31": 100, "2026-12-31": 300}


def redeem(**reward_fields: Any) -> Planned[RedemptionRecord, Any]:
    read = RedeemRead(reward(**reward_fields), True, state(member(), LOTS), CODE)
    planned = plan("m-1", REQUEST, "key-1", program(), NOW, read)
    assert isinstance(planned, Planned)
    return planned


def test_a_redemption_takes_the_soonest_days_and_issues_a_voucher_with_the_balance_it_leaves() -> None:
    planned = redeem(cost=150)
    change = planned.change
    assert change.lot_deltas == {"2026-07-31": -100, "2026-12-31": -50}
    assert change.after.balances.available == 250
    issued = planned.answer.result
    assert (issued.code, issued.status, issued.points_spent) == (CODE, "issued", 150)
    assert issued.member.points.available == 250
    assert [(event.type, event.data.get("code")) for event in change.events] == [
        ("points.redeemed", None),
        ("redemption.issued", CODE),
    ]
    booked = books_of(change)
    assert booked.movement is not None and booked.movement.kind == "redeemed" and booked.movement.points == 150


def test_the_voucher_is_the_entry_keyed_by_its_code_so_a_retry_finds_the_first() -> None:
    entry = redeem(cost=150).change.entry
    assert entry is not None
    stored = entry.decode(entry.item)
    assert (stored.redemption_id, stored.code, stored.member_id) == ("rd-1", CODE, "m-1")
    assert stored.takes == {"2026-07-31": 100, "2026-12-31": 50}  # given back to these days on cancel
    assert stored.valued == {
        Portion("2026-07-31", "sale", Decimal(1)): 100,
        Portion("2026-12-31", "sale", Decimal(1)): 50,
    }


def test_a_stocked_reward_with_a_limit_takes_a_unit_and_counts_the_member() -> None:
    items = by_role(list(redeem(cost=10, stock=3, per_member_limit=2).change.more))
    assert values(items["stock"])[":minus_one"] == -1  # one unit, on the condition that one is left
    assert "stock_remaining >= :one" in items["stock"]["Update"]["ConditionExpression"]
    assert values(items["limit"])[":limit"] == 2
    entry = redeem(cost=10, stock=3, per_member_limit=2).change.entry
    assert entry is not None and entry.item["stock_taken"] and entry.item["limit_counted"]


def test_an_unlimited_reward_only_checks_its_revision() -> None:
    items = by_role(list(redeem(cost=10).change.more))
    assert set(items) == {"stock"}
    assert values(items["stock"])[":revision"] == 7
    assert "attribute_not_exists(stock_remaining)" in items["stock"]["Update"]["ConditionExpression"]


@pytest.mark.parametrize(
    ("fields", "error", "detail"),
    [
        ({"active": False}, RewardUnavailable, "inactive"),
        ({"min_tier": "Gold"}, RewardUnavailable, "tier Gold"),
        ({"stock": 0}, OutOfStock, "out of stock"),
        ({"cost": 401}, InsufficientPoints, "costs 401 points; 400"),
    ],
)
def test_a_redemption_the_rules_refuse_writes_nothing(fields: dict[str, Any], error: type, detail: str) -> None:
    read = RedeemRead(reward(**fields), True, state(member(), LOTS), CODE)
    with pytest.raises(error, match=detail):
        plan("m-1", REQUEST, None, program(), NOW, read)


def test_points_whose_day_has_ended_do_not_pay_even_if_the_balance_still_counts_them() -> None:
    read = RedeemRead(reward(cost=150), True, state(member(), {"2026-06-14": 100, "2026-12-31": 100}), CODE)
    with pytest.raises(InsufficientPoints, match="still valid"):
        plan("m-1", REQUEST, None, program(), NOW, read)


def test_months_read_that_no_longer_pay_ask_for_every_month_before_refusing() -> None:
    """A read stops at the first months when they hold the points (loyalty.store.member_reads.Spending);
    if their day ended before the plan, the months beyond may still pay: read them, do not refuse."""
    first_months = replace(state(member(), {"2026-06-14": 100, "2026-12-31": 100}), complete=False)
    read = RedeemRead(reward(cost=150), True, first_months, CODE)
    assert plan("m-1", REQUEST, None, program(), NOW, read) == Again(pause=False)


def test_only_a_fresh_read_of_the_reward_may_refuse_it_for_its_stock() -> None:
    stale = RedeemRead(reward(stock=0), False, state(member(), LOTS), CODE)
    assert isinstance(plan("m-1", REQUEST, None, program(), NOW, stale), Again)


# --- use ---------------------------------------------------------------------------------------------


def issued(**fields: Any) -> RedemptionRecord:
    planned = redeem(cost=150)
    assert planned.change.entry is not None
    record = planned.change.entry.decode(planned.change.entry.item)
    return replace(record, **fields)


def test_using_a_voucher_marks_it_used_and_tells_its_members_outbox() -> None:
    step = plan_use(issued(), "m-2", NOW)  # m-1 was taken over by m-2: the taker's outbox says so
    assert isinstance(step, Prepared)
    assert (step.answer.status, step.answer.used_at) == ("used", "2026-06-15T14:00:00.000Z")
    items = by_role(list(step.items))
    assert values(items["status"])[":status"] == "used"
    assert items["member"]["Update"]["Key"]["PK"]["S"].endswith("m-2")
    assert [event["type"] for event in unpack(values(items["member"])[":outbox"])[0]] == ["redemption.used"]


def test_a_used_voucher_answers_as_it_is_and_a_cancelled_one_is_refused() -> None:
    used = issued(status="used", used_at="2026-06-01T10:00:00.000Z")
    assert plan_use(used, "m-1", NOW) == Done(used)
    with pytest.raises(RedemptionCancelled):
        plan_use(issued(status="cancelled"), "m-1", NOW)


def test_a_use_that_finds_the_member_gone_says_so_before_what_the_voucher_says() -> None:
    step = plan_use(issued(), "m-1", NOW)
    assert isinstance(step, Prepared) and step.outcome is not None
    both = TxResult(False, {"member": [None], "status": [None]}, ("redemption_used",))
    assert step.outcome(both) == Refused(MEMBER_GONE)
    assert step.outcome(TxResult(False, {"status": [None]}, ("redemption_used",))) == Refused("redemption_used")
    assert isinstance(step.outcome(TxResult(False, contended=True)), Retry)


# --- cancel ------------------------------------------------------------------------------------------


def cancel(record: RedemptionRecord, stock_counted: bool = True) -> Planned[Any, Any]:
    read = CancelRead(record, state(member(), {"2026-12-31": 250}), stock_counted)
    step = plan_cancel(read, "key-1", program(), NOW)
    assert isinstance(step, Planned)
    return step


def test_cancelling_gives_the_points_back_to_the_days_they_came_from_with_their_value() -> None:
    step = cancel(issued())
    change = step.change
    assert change.lot_deltas == {"2026-07-31": 100, "2026-12-31": 50}
    assert change.after.balances.available == 400
    assert change.after.due.expiry is not None and change.after.due.expiry.isoformat() == "2026-07-31"
    assert [(event.type, event.data["points"]) for event in change.events] == [("redemption.cancelled", 150)]
    booked = books_of(change)
    assert booked.movement is not None and booked.movement.kind == "redemptions_cancelled"
    assert booked.valued == issued().valued  # the same portions, at the value they were issued at
    shown = step.answer
    assert shown.status == "cancelled" and shown.member.points.available == 400


def test_the_stock_goes_back_only_to_a_reward_that_still_counts_it() -> None:
    stocked = issued(stock_taken=True, limit_counted=True)
    assert set(by_role(list(cancel(stocked).change.more))) == {"status", "stock_return", "limit"}
    assert set(by_role(list(cancel(stocked, stock_counted=False).change.more))) == {"status", "limit"}
    assert set(by_role(list(cancel(issued()).change.more))) == {"status"}


def test_the_cancellation_is_an_entry_of_its_own_so_a_retry_finds_the_first() -> None:
    entry = cancel(issued()).change.entry
    assert entry is not None
    stored = put(entry.tx().request)
    assert (stored["entry_id"], stored["entry_points"], stored["key_id"]) == ("cancel:rd-1", 150, "key-1")


def test_a_cancelled_voucher_answers_as_it_is_and_a_used_one_is_refused() -> None:
    cancelled = issued(status="cancelled")
    assert plan_cancel(CancelRead(cancelled), None, program(), NOW) == Done(cancelled)
    with pytest.raises(RedemptionUsed):
        plan_cancel(CancelRead(issued(status="used")), None, program(), NOW)
