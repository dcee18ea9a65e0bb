"""Campaign limits under concurrency, refereed by the real engine (DynamoDB Local): a budget split in
shares is spent exactly and over all its shares, a refund gives a bonus back to its share, and a budget
changed while orders race keeps every point counted."""

from __future__ import annotations

from typing import Any

import pytest

from harness.programs import program_document
from loyalty.adapters import clock
from loyalty.domain.errors import Contended
from loyalty.models.member import EnrollRequest
from loyalty.models.order import OrderRequest, RefundRequest
from loyalty.models.program import Program
from loyalty.services import accrual, campaigns, members, program, refunds
from loyalty.services.member_writes import Recorded
from loyalty.store import campaigns as campaign_store
from loyalty.store import orders as order_store
from tests.auditing import audit_clean
from tests.engine.races.test_concurrency import race

pytestmark = pytest.mark.parametrize("aws", ["dynamodb-local"], indirect=True)

CAMPAIGN = {"campaign_id": "launch", "starts_at": "2026-11-01T00:00:00Z", "ends_at": "2026-12-31T00:00:00Z"}


def order(order_id: str, member_id: str) -> OrderRequest:
    return OrderRequest.model_validate(
        {
            "order_id": order_id,
            "member_id": member_id,
            "currency": "USD",
            "placed_at": clock.now().isoformat(),
            "lines": [{"sku": "A", "category": "shoes", "quantity": 1, "unit_price_minor": 1_000}],
        }
    )


def until_recorded(request: OrderRequest) -> accrual.Accrued:
    """As a client does with a 503: send the same order again until it is recorded."""
    for _ in range(20):
        try:
            return accrual.accrue(request)
        except Contended:
            continue
    raise AssertionError(f"{request.order_id} was never recorded")


def bonus_of(accrued: Any) -> int:
    return sum(bonus.points for bonus in accrued.result.bonuses)


def set_budget(budget_points: int) -> None:
    """PUT the program with the campaign of 100 bonus points an order within ``budget_points``."""
    campaign = {**CAMPAIGN, "bonus_points": 100, "budget_points": budget_points}
    program.save(Program.model_validate(program_document(campaigns=[campaign])))


def members_ordering(first: int, count: int) -> list[Any]:
    """``count`` new members (numbered from ``first``), each placing one order at the same time: what
    each order's accrual answered."""
    for i in range(first, first + count):
        members.enroll(EnrollRequest(member_id=f"m-{i}", email=f"m-{i}@example.com"))
    return race(count, lambda i: until_recorded(order(f"o-{first + i}", f"m-{first + i}")))


def orders_racing_for_the_budget(count: int, budget_points: int) -> list[Any]:
    """``count`` members, each placing one order at the same time under a campaign of 100 bonus points
    an order within ``budget_points``: what each order's accrual answered."""
    set_budget(budget_points)
    return members_ordering(0, count)


def shares_held() -> dict[int, campaign_store.Share]:
    return campaign_store.shares("launch")[0]


def shares_written(count: int) -> dict[str, int]:
    """Which shares the first ``count`` orders took their bonuses from (share -> points), as each
    order item records them."""
    taken: dict[str, int] = {}
    for i in range(count):
        stored = order_store.get_order(f"o-{i}")
        assert stored is not None
        for share, points in (stored.bonuses[0].shares or {}).items():
            taken[share] = taken.get(share, 0) + points
    return taken


def test_fifty_concurrent_orders_give_exactly_the_budget(aws: str) -> None:
    outcomes = orders_racing_for_the_budget(50, budget_points=1_000)
    assert all(isinstance(o, Recorded) and o.created for o in outcomes), outcomes
    assert sum(bonus_of(o) for o in outcomes) == 1_000
    given = sorted(bonus_of(o) for o in outcomes)
    assert given == [0] * 40 + [100] * 10
    assert sum(members.get(f"m-{i}").points.available for i in range(50)) == 50 * 10 + 1_000
    read = campaigns.read("launch")
    assert (read.spent_points, read.remaining_points) == (1_000, 0)
    audit_clean()


def test_a_budget_that_does_not_divide_ends_with_one_partial_bonus(aws: str) -> None:
    outcomes = orders_racing_for_the_budget(12, budget_points=450)
    bonuses = [o.result.bonuses[0] for o in outcomes]
    assert sum(b.points for b in bonuses) == 450
    assert sorted(b.points for b in bonuses) == [0] * 7 + [50] + [100] * 4
    assert all(b.limited == (b.points < 100) for b in bonuses)
    audit_clean()


def test_eighty_orders_spend_a_budget_of_sixteen_shares_exactly_and_write_every_share(aws: str) -> None:
    outcomes = orders_racing_for_the_budget(80, budget_points=6_400)  # 16 shares of 400: four bonuses each
    assert all(isinstance(o, Recorded) and o.created for o in outcomes), outcomes
    assert sorted(bonus_of(o) for o in outcomes) == [0] * 16 + [100] * 64
    # The load was spread: the bonuses came from all 16 share items, each gave exactly its part.
    assert shares_written(80) == {str(share): 400 for share in range(16)}
    assert {share: (held.spent, held.left) for share, held in shares_held().items()} == {
        share: (400, 0) for share in range(16)
    }
    read = campaigns.read("launch")
    assert (read.spent_points, read.remaining_points) == (6_400, 0)
    audit_clean()


def test_a_refund_gives_the_bonus_back_to_its_share_and_a_later_order_gets_it(aws: str) -> None:
    outcomes = orders_racing_for_the_budget(10, budget_points=800)  # two shares of 400
    assert sorted(bonus_of(o) for o in outcomes) == [0] * 2 + [100] * 8
    refunded = next(i for i, o in enumerate(outcomes) if bonus_of(o) == 100)
    stored = order_store.get_order(f"o-{refunded}")
    assert stored is not None and stored.bonuses[0].shares is not None
    [(share, points)] = stored.bonuses[0].shares.items()
    assert points == 100
    refunds.refund(f"o-{refunded}", RefundRequest(refund_id="r-1", amount_minor=1_000))
    held = shares_held()
    assert (held[int(share)].spent, held[int(share)].left) == (300, 100)
    assert (held[1 - int(share)].spent, held[1 - int(share)].left) == (400, 0)
    read = campaigns.read("launch")
    assert (read.spent_points, read.remaining_points) == (700, 100)
    campaign_store.forget()  # the next order as another function runs it, one that never saw a share run out
    [again] = members_ordering(10, 1)
    assert bonus_of(again) == 100
    assert campaigns.read("launch").spent_points == 800
    audit_clean()


def test_a_budget_lowered_and_raised_keeps_what_was_spent_and_is_spent_exactly(aws: str) -> None:
    orders_racing_for_the_budget(30, budget_points=6_400)  # 16 shares; 3,000 given
    set_budget(4_000)  # 10 shares: the 1,000 left spread over them, the 6 others keep 0
    held = shares_held()
    assert sum(s.spent for s in held.values()) == 3_000 and sum(s.left for s in held.values()) == 1_000
    assert all(s.left == 0 for i, s in held.items() if i >= 10)
    assert sorted(bonus_of(o) for o in members_ordering(30, 14)) == [0] * 4 + [100] * 10
    assert (campaigns.read("launch").spent_points, campaigns.read("launch").remaining_points) == (4_000, 0)
    set_budget(4_450)  # 11 shares of 40 or 41: most orders now take from two or three shares
    bonuses = [o.result.bonuses[0] for o in members_ordering(44, 8)]
    assert sum(b.points for b in bonuses) == 450 and campaigns.read("launch").spent_points == 4_450
    assert all(b.limited == (b.points < 100) for b in bonuses)
    set_budget(3_000)  # below what was given: nothing more, and what was given stays counted
    assert [bonus_of(o) for o in members_ordering(52, 3)] == [0, 0, 0]
    read = campaigns.read("launch")
    assert (read.spent_points, read.remaining_points) == (4_450, 0)
    assert sum(s.spent + s.left for s in shares_held().values()) == 3_000
    audit_clean()


def test_a_budget_changed_while_orders_race_loses_no_point(aws: str) -> None:
    orders_racing_for_the_budget(10, budget_points=6_400)
    for i in range(10, 50):
        members.enroll(EnrollRequest(member_id=f"m-{i}", email=f"m-{i}@example.com"))
    outcomes = race(41, lambda i: set_budget(4_500) if i == 40 else until_recorded(order(f"o-{10 + i}", f"m-{10 + i}")))
    assert not any(isinstance(o, Exception) for o in outcomes), outcomes
    members_ordering(50, 20)  # enough orders to spend whatever the change left
    held = shares_held()
    given = sum(bonus.points for stored in orders_of(70) for bonus in stored.bonuses)
    # Every point given is counted on a share, the shares hold exactly the new budget, none has anything
    # left: the campaign gave the new budget, or (had most orders committed before the change) what it
    # had already given then.
    assert sum(s.spent for s in held.values()) == given == campaigns.read("launch").spent_points
    assert sum(s.spent + s.left for s in held.values()) == 4_500
    assert all(s.left <= 0 for s in held.values())
    assert given == 4_500 - sum(s.left for s in held.values())
    audit_clean()


def orders_of(count: int) -> list[order_store.OrderRecord]:
    found = [order_store.get_order(f"o-{i}") for i in range(count)]
    assert all(o is not None for o in found)
    return [o for o in found if o is not None]


def test_one_member_racing_orders_benefits_only_up_to_its_limit(aws: str) -> None:
    program.save(
        Program.model_validate(program_document(campaigns=[{**CAMPAIGN, "bonus_points": 100, "per_member_limit": 2}]))
    )
    members.enroll(EnrollRequest(member_id="m-1", email="ada@example.com"))
    outcomes = race(8, lambda i: until_recorded(order(f"o-{i}", "m-1")))
    assert sorted(bonus_of(o) for o in outcomes) == [0] * 6 + [100] * 2
    assert members.get("m-1").points.available == 8 * 10 + 200
    audit_clean()
