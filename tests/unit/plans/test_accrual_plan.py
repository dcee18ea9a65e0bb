"""The accrual's plan, as the write loop hands it what it read: no moto, no table."""

from __future__ import annotations

import pytest

from harness.plans import NOW, member, order_request, program, state, stored
from loyalty.domain.budget_shares import preference
from loyalty.domain.errors import InvalidInput
from loyalty.services.accrual import plan
from loyalty.store.write_loop import books_of

SUMMER = {
    "campaign_id": "summer",
    "bonus_points": 50,
    "starts_at": "2026-06-01T00:00:00Z",
    "ends_at": "2026-07-01T00:00:00Z",
    "budget_points": 1000,
}


def test_an_order_credits_its_points_on_the_expiry_day_of_the_day_it_was_placed() -> None:
    planned = plan(order_request(), state(member()), program(), NOW, "key-1")
    change, answer = planned.change, planned.answer
    # Shoes 2 x 15.00 at 1 point a unit, a 20.00 gadget at x2 (electronics): 30 + 40.
    assert [(line.sku, line.points) for line in answer.result.breakdown] == [("SHOE", 30), ("GADGET", 40)]
    assert answer.created and answer.result.points == 70 and answer.result.status == "available"
    assert change.lot_deltas == {"2027-06-15": 70}  # placed 15 June 2026 (New York), kept 12 months
    assert change.after.balances.available == 70 and change.after.balances.lifetime_earned == 70
    assert answer.result.member.points.available == 70
    assert [event.type for event in change.events] == ["points.earned"]
    order = stored(change)
    assert order.order_id == "o-1" and order.net_total == "5000" and order.entry.key_id == "key-1"
    booked = books_of(change)
    assert booked.movement is not None and booked.movement.kind == "issued_sales"
    assert booked.movement.points == 70 and booked.counters["orders"] == 1 and booked.counters["first_orders"] == 1


def test_with_pending_days_the_points_wait_and_no_lot_is_touched() -> None:
    planned = plan(order_request(), state(member()), program(pending_days=14), NOW, None)
    change = planned.change
    assert planned.answer.result.status == "pending"
    assert change.lot_deltas == {}
    assert change.after.balances.available == 0 and change.after.balances.pending == 70
    order = stored(change)
    assert order.pending_left == 70 and order.matures_on == "2026-06-29"
    booked = books_of(change)
    assert booked.movement is None and booked.counters["pending_p"] == 70  # pending points are not issued yet


def test_a_campaign_with_a_budget_gives_its_bonus_from_the_share_its_order_id_picks() -> None:
    planned = plan(order_request(), state(member()), program(campaigns=[SUMMER]), NOW, None)
    assert planned.answer.result.points == 120
    assert [(b.campaign_id, b.points, b.limited) for b in planned.answer.result.bonuses] == [("summer", 50, False)]
    home = preference("o-1", 5)[0]  # 1,000 points for bonuses of 50: five shares of 200
    assert [item.role for item in planned.change.more] == [f"budget:summer#{home}"]
    assert stored(planned.change).bonuses[0].shares == {str(home): 50}  # where a refund gives it back


def test_a_share_seen_short_gives_what_it_holds_and_the_rest_comes_from_the_next_share() -> None:
    read = state(member())
    first, second = preference("o-1", 5)[:2]
    split = plan(order_request(), read, program(campaigns=[SUMMER]), NOW, None, {"summer": {first: 20}})
    assert [(b.points, b.limited) for b in split.answer.result.bonuses] == [(50, False)]
    assert [item.role for item in split.change.more] == [f"budget:summer#{first}", f"budget:summer#{second}"]
    assert stored(split.change).bonuses[0].shares == {str(first): 20, str(second): 30}


def test_what_earlier_rounds_saw_of_every_share_cuts_the_bonus_to_what_is_left() -> None:
    read = state(member())
    shares = preference("o-1", 5)
    nearly = {"summer": {share: 0 for share in shares} | {shares[2]: 5, shares[4]: 15}}
    cut = plan(order_request(), read, program(campaigns=[SUMMER]), NOW, None, nearly)
    assert [(b.points, b.limited) for b in cut.answer.result.bonuses] == [(20, True)]
    assert cut.answer.result.points == 90
    spent = plan(order_request(), read, program(campaigns=[SUMMER]), NOW, None, {"summer": dict.fromkeys(shares, 0)})
    assert [(b.points, b.limited) for b in spent.answer.result.bonuses] == [(0, True)]
    assert spent.answer.result.points == 70 and spent.change.more == []  # no share written for nothing given


def test_an_order_that_reaches_a_tier_moves_the_member_up_today() -> None:
    big = order_request(lines=[{"sku": "TV", "category": "shoes", "quantity": 1, "unit_price_minor": 300_000}])
    change = plan(big, state(member()), program(), NOW, None).change
    assert change.after.tier == "Silver" and change.after.tier_since == "2026-06-15"
    assert [event.data for event in change.events if event.type == "tier.changed"] == [
        {"from": "Bronze", "to": "Silver"}
    ]


def test_an_order_earning_beyond_the_programs_limit_is_refused() -> None:
    with pytest.raises(InvalidInput, match="at most 50"):
        plan(order_request(), state(member()), program(max_points_per_order=50), NOW, None)


def test_a_referred_members_qualifying_order_completes_its_referral_in_the_same_write() -> None:
    rules = {"referrer_points": 100, "referee_points": 50, "min_order_minor": 4000}
    change = plan(order_request(), state(member(referred_by="R-m-9")), program(referrals=rules), NOW, None).change
    assert change.after.referral == "completed"
    assert [item.role for item in change.more] == ["referral"]
    small = order_request(lines=[{"sku": "SOCK", "category": "shoes", "quantity": 1, "unit_price_minor": 3999}])
    untouched = plan(small, state(member(referred_by="R-m-9")), program(referrals=rules), NOW, None).change
    assert untouched.after.referral is None and untouched.more == []
