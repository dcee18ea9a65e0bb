"""Redemption under concurrency, refereed by the real engine: no overspend, no oversell."""

from __future__ import annotations

import pytest

from loyalty.domain.errors import InsufficientPoints, LimitReached, OutOfStock
from loyalty.services import members, rewards
from loyalty.services.member_writes import Recorded
from tests.auditing import audit_clean
from tests.engine.races.test_concurrency import race
from tests.rewarding import configure, member_with_points, redeem, reward

pytestmark = pytest.mark.parametrize("aws", ["dynamodb-local"], indirect=True)


def test_fifty_redemptions_of_a_member_holding_ten_rewards_worth(aws: str) -> None:
    configure()
    member_with_points("m-1", 1000)
    reward("r100", 100)
    outcomes = race(50, lambda i: redeem("m-1", f"x-{i}", "r100"))
    issued = [o for o in outcomes if isinstance(o, Recorded)]
    refused = [o for o in outcomes if isinstance(o, InsufficientPoints)]
    assert len(issued) == 10 and len(refused) == 40, outcomes
    assert members.get("m-1").points.available == 0
    audit_clean()


def test_a_stock_of_five_among_forty_members(aws: str) -> None:
    configure()
    for n in range(40):
        member_with_points(f"m-{n}", 100)
    reward("scarce", 50, stock=5)
    outcomes = race(40, lambda i: redeem(f"m-{i}", f"x-{i}", "scarce"))
    issued = [o for o in outcomes if isinstance(o, Recorded)]
    assert len(issued) == 5
    assert len({o.result.code for o in issued}) == 5
    assert all(isinstance(o, OutOfStock) for o in outcomes if not isinstance(o, Recorded)), outcomes
    assert sum(members.get(f"m-{n}").points.available for n in range(40)) == 40 * 100 - 5 * 50
    scarce = rewards.cached("scarce", fresh=True)
    assert scarce is not None and scarce.stock_remaining == 0
    audit_clean()


def test_a_per_member_limit_of_one_under_ten_concurrent_requests(aws: str) -> None:
    configure()
    member_with_points("m-1", 1000)
    reward("once", 10, per_member_limit=1)
    outcomes = race(10, lambda i: redeem("m-1", f"x-{i}", "once"))
    issued = [o for o in outcomes if isinstance(o, Recorded)]
    assert len(issued) == 1
    assert all(isinstance(o, LimitReached) for o in outcomes if not isinstance(o, Recorded)), outcomes
    assert members.get("m-1").points.available == 990
    audit_clean()
