"""Tier perks, paid memberships and early access, as the accrual, refund, tier review and redemption
plans decide them: no moto, no table."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from harness.plans import NOW, job_run, member, order_request, reward, state, stored
from harness.programs import FREE_SHIPPING, GOLD_DISCOUNT, engaged_document
from loyalty.domain.errors import RewardUnavailable
from loyalty.models.order import RefundRequest
from loyalty.models.program import Program
from loyalty.models.reward import RedemptionRequest
from loyalty.services import accrual, refunds
from loyalty.services.jobs import tier_reviews
from loyalty.services.redemptions import RedeemRead
from loyalty.services.redemptions import plan as redeem_plan
from loyalty.store.member_record import MemberRecord
from loyalty.store.write_loop import Done, Planned


def engaged(**overrides: Any) -> Program:
    """The harness program (New York) with perks on Gold and a one-month membership holding Gold."""
    return Program.model_validate(engaged_document(**overrides))


def plus_line(quantity: int = 1) -> dict[str, Any]:
    return {"sku": "PLUS-1M", "category": "memberships", "quantity": quantity, "unit_price_minor": 1000}


def buy(record: MemberRecord, order_id: str, now: datetime, quantity: int = 1) -> Planned[Any, Any]:
    request = order_request(order_id, placed_at=now.isoformat(), lines=[plus_line(quantity)])
    planned = accrual.plan(request, state(record), engaged(), now, None)
    return planned


def test_a_membership_bought_holds_its_tier_and_perks_until_the_same_day_next_month_in_the_program_zone() -> None:
    planned = buy(member(), "o-1", NOW)  # 15 June 2026, 10:00 in New York
    after = planned.change.after
    assert after.memberships == {"plus": "2026-07-15T00:00:00-04:00"}  # a New York midnight, exclusive
    assert after.tier == "Bronze"  # the tier its points give stays what it was
    shown = planned.answer.result.member
    assert shown.tier.name == "Gold" and shown.tier.multiplier == 1.5
    assert [perk.perk_id for perk in shown.tier.perks] == ["gold-10", "ship"]
    assert [(m.membership_id, m.until) for m in shown.memberships] == [("plus", datetime(2026, 7, 15, 4, tzinfo=UTC))]
    # The line earns like any other, at the tier held when the order came (Bronze); the next ones at Gold.
    assert planned.answer.result.points == 10
    later = accrual.plan(order_request("o-2"), state(after), engaged(), NOW + timedelta(hours=1), None)
    assert later.answer.result.points == 105  # 70 points at Gold's x1.5
    events = [(event.type, event.data) for event in planned.change.events]
    assert events[1:] == [
        (
            "membership.started",
            {"membership_id": "plus", "until": "2026-07-15T04:00:00.000Z", "order_id": "o-1", "renewed": False},
        ),
        (
            "tier.changed",
            {"from": "Bronze", "to": "Gold", "perks": [GOLD_DISCOUNT, FREE_SHIPPING]},
        ),
    ]
    # The tier review day (the TIER index) comes to the reminder before the end: the daily job's look.
    assert after.due.tier_review == date(2026, 7, 1)


def test_a_member_without_memberships_writes_no_membership_attribute() -> None:
    planned = accrual.plan(order_request(), state(member()), engaged(), NOW, None)
    assert "ms" not in planned.change.after.to_item()
    assert planned.change.after.due.tier_review is None


def test_bought_renewed_and_refunded_it_ends_on_the_right_day_and_the_tier_returns_to_the_points() -> None:
    first = buy(member(), "o-1", NOW).change.after
    renewing = buy(first, "o-2", NOW + timedelta(days=5), quantity=2)
    renewed = renewing.change.after
    assert renewed.memberships == {"plus": "2026-09-15T00:00:00-04:00"}  # from the current end, 2 months on
    assert renewing.change.events[1].data["renewed"] is True
    # The renewal's order is refunded by line: what it granted goes, the first month stays.
    order = stored(renewing.change)
    back = RefundRequest.model_validate({"refund_id": "r-2", "lines": [{"sku": "PLUS-1M", "quantity": 2}]})
    read = refunds.Refunding(order, refunds.refunds_planned(order, back), state(renewed))
    refunded = refunds.plan(read, back, engaged(), NOW + timedelta(days=6), None)
    assert isinstance(refunded, Planned)
    after_refund = refunded.change.after
    assert after_refund.memberships == {"plus": "2026-07-15T00:00:00-04:00"}
    assert not [event for event in refunded.change.events if event.type.startswith(("membership", "tier"))]
    # The daily job on 14 July (01:00 in New York) keeps it; on 15 July it ends it, and the tier is Bronze.
    due = replace(after_refund, due=replace(after_refund.due, tier_review=date(2026, 7, 14)))
    eve = job_run("tier_review", datetime(2026, 7, 14, 5, tzinfo=UTC), **engaged().model_dump(mode="json"))
    kept = tier_reviews.plan(state(due), date(2026, 7, 14), eve)
    assert isinstance(kept, Done) and kept.answer.next_review == date(2026, 7, 15)  # type: ignore[union-attr]
    ending = replace(due, due=replace(due.due, tier_review=date(2026, 7, 15)))
    day = job_run("tier_review", datetime(2026, 7, 15, 5, tzinfo=UTC), **engaged().model_dump(mode="json"))
    ended = tier_reviews.plan(state(ending), date(2026, 7, 15), day)
    assert isinstance(ended, Planned)
    assert ended.change.after.memberships == {} and ended.change.after.tier == "Bronze"
    assert [(event.type, event.data) for event in ended.change.events] == [
        ("membership.ended", {"membership_id": "plus", "reason": "time"}),
        ("tier.changed", {"from": "Gold", "to": "Bronze"}),
    ]


def test_a_daily_job_that_missed_the_end_day_ends_it_when_it_catches_up() -> None:
    held = buy(member(), "o-1", NOW).change.after
    late = replace(held, due=replace(held.due, tier_review=date(2026, 7, 15)))
    run = job_run("tier_review", datetime(2026, 7, 18, 5, tzinfo=UTC), **engaged().model_dump(mode="json"))
    planned = tier_reviews.plan(state(late), date(2026, 7, 15), run)
    assert isinstance(planned, Planned) and planned.change.after.memberships == {}
    assert planned.change.events[0].type == "membership.ended"


def test_an_amount_refund_of_the_whole_order_ends_the_membership_and_a_partial_one_keeps_it() -> None:
    bought = buy(member(), "o-1", NOW)
    order, holder = stored(bought.change), bought.change.after
    part = RefundRequest.model_validate({"refund_id": "r-1", "amount_minor": 400})
    read = refunds.Refunding(order, refunds.refunds_planned(order, part), state(holder))
    partial = refunds.plan(read, part, engaged(), NOW, None)
    assert isinstance(partial, Planned) and partial.change.after.memberships == holder.memberships
    whole = RefundRequest.model_validate({"refund_id": "r-2", "amount_minor": 1000})
    read = refunds.Refunding(order, refunds.refunds_planned(order, whole), state(holder))
    refunded = refunds.plan(read, whole, engaged(), NOW, None)
    assert isinstance(refunded, Planned) and refunded.change.after.memberships == {}
    assert [(event.type, event.data) for event in refunded.change.events][1:] == [
        ("membership.ended", {"membership_id": "plus", "reason": "refund", "order_id": "o-1"}),
        ("tier.changed", {"from": "Gold", "to": "Bronze"}),
    ]
    assert refunded.answer.result.member.memberships == []


# --- early access ------------------------------------------------------------------------------------

OPENS = "2026-06-20T00:00:00.000Z"  # available_from: five days after NOW
GOLD_EARLY = {"available_from": OPENS, "early_access": [{"tier": "Silver", "from": "2026-06-10T00:00:00.000Z"}]}


def redeem(record: MemberRecord, now: datetime) -> Planned[Any, Any]:
    read = RedeemRead(reward(cost=100, **GOLD_EARLY), True, state(record, {"2026-12-31": 500}), "ABCDEFGHJKMNPQ")
    planned = redeem_plan(record.member_id, RedemptionRequest(redemption_id="rd-1", reward_id="coffee"), None,
                          engaged(), now, read)  # fmt: skip
    assert isinstance(planned, Planned)
    return planned


def test_a_member_below_the_early_access_tier_is_refused_before_available_from_and_served_after() -> None:
    with pytest.raises(RewardUnavailable, match="opens to this member's tier at 2026-06-20"):
        redeem(member(), NOW)
    assert redeem(member(), datetime(2026, 6, 20, tzinfo=UTC)).answer.created


@pytest.mark.parametrize("record", [member(tier="Silver"), member(tier="Gold")], ids=["named tier", "higher tier"])
def test_a_member_of_the_early_access_tier_or_a_higher_one_redeems_from_its_entry(record: MemberRecord) -> None:
    assert redeem(record, NOW).answer.created
    with pytest.raises(RewardUnavailable):
        redeem(record, datetime(2026, 6, 9, tzinfo=UTC))  # before the entry's from


def test_a_paid_membership_s_tier_floor_opens_early_access() -> None:
    held = buy(member(), "o-1", NOW).change.after
    assert redeem(held, NOW + timedelta(hours=1)).answer.created


def test_refunding_one_of_two_units_takes_back_its_share_of_the_days_and_the_other_the_rest() -> None:
    bought = buy(member(), "o-1", NOW, quantity=2)  # 15 June to 15 August: 61 days
    order, holder = stored(bought.change), bought.change.after
    assert order.granted == {"plus": [61, 2]} and holder.memberships == {"plus": "2026-08-15T00:00:00-04:00"}
    one = RefundRequest.model_validate({"refund_id": "r-1", "lines": [{"sku": "PLUS-1M", "quantity": 1}]})
    first = refunds.plan(refunds.Refunding(order, refunds.refunds_planned(order, one), state(holder)), one, engaged(),
                         NOW, None)  # fmt: skip
    assert isinstance(first, Planned)
    assert first.change.after.memberships == {"plus": "2026-07-16T00:00:00-04:00"}  # 30 of the 61 days back
    order = replace(order, refunded_qty={"PLUS-1M": 1}, refunded_share="1/2")
    other = RefundRequest.model_validate({"refund_id": "r-2", "lines": [{"sku": "PLUS-1M", "quantity": 1}]})
    read = refunds.Refunding(order, refunds.refunds_planned(order, other), state(first.change.after))
    second = refunds.plan(read, other, engaged(), NOW, None)
    assert isinstance(second, Planned) and second.change.after.memberships == {}
