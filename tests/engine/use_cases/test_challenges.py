"""Challenges and badges: progress moved by orders and back by their refunds, a completion credited once
with its badge, its reward reversed when a refund takes the progress below the goal (debt if spent)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from harness.programs import program_document
from loyalty.adapters import clock
from loyalty.models.adjustment import AdjustmentRequest
from loyalty.models.member import EnrollRequest
from loyalty.models.order import OrderRequest, RefundRequest
from loyalty.models.program import Program
from loyalty.services import accrual, activity, adjustments, challenges, members, program, refunds
from tests.auditing import audit_clean

pytestmark = pytest.mark.engine

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)  # a Thursday


def challenge(**fields: Any) -> dict[str, Any]:
    return {"challenge_id": "c-3", "label": "Three orders", "kind": "orders", "goal": 3, "window_days": 30,
            "reward_points": 500, "badge": "regular", **fields}  # fmt: skip


@pytest.fixture
def setup(aws: str) -> Any:
    def configure(*chs: dict[str, Any], **overrides: Any) -> None:
        clock.set_clock(lambda: NOW)
        program.save(Program.model_validate(program_document(challenges=list(chs), **overrides)))
        members.enroll(EnrollRequest(member_id="m-1", email="ada@example.com"))

    return configure


def place(order_id: str, price: int = 1_000, category: str = "shoes", at: datetime = NOW) -> accrual.Accrued:
    request = OrderRequest.model_validate(
        {
            "order_id": order_id,
            "member_id": "m-1",
            "currency": "USD",
            "placed_at": (at - timedelta(hours=1)).isoformat(),
            "lines": [{"sku": "A", "category": category, "quantity": 1, "unit_price_minor": price}],
        }
    )
    return accrual.accrue(request)


def refund(order_id: str, refund_id: str, **body: Any) -> refunds.Refunded:
    return refunds.refund(order_id, RefundRequest.model_validate({"refund_id": refund_id, **body}))


def progress(challenge_id: str = "c-3") -> tuple[int, datetime | None]:
    item = next(i for i in challenges.page("m-1").items if i.challenge_id == challenge_id)
    return item.progress, item.completed_at


def bonus_entries() -> list[tuple[int, str | None]]:
    return [(e.points, e.reason) for e in activity.page("m-1", 100, None).items if e.kind == "bonus"]


def test_the_third_order_completes_once_with_its_badge_and_a_fourth_adds_nothing(setup: Any) -> None:
    setup(challenge())
    place("o-1")
    place("o-2")
    assert progress() == (2, None)
    third = place("o-3").result.member
    assert third.points.available == 30 + 500
    assert [(b.badge, b.count) for b in third.badges] == [("regular", 1)]
    assert progress() == (3, NOW)
    place("o-4")
    assert members.get("m-1").points.available == 40 + 500
    assert bonus_entries() == [(500, "challenge")]
    assert place("o-3").created is False  # a replay completes nothing again
    assert bonus_entries() == [(500, "challenge")]
    audit_clean()


def test_buy_complete_refund_gains_nothing(setup: Any) -> None:
    setup(challenge())
    for i in range(3):
        place(f"o-{i}")
    after = refund("o-2", "r-1", amount_minor=1_000).result
    assert after.member.points.available == 20
    assert after.member.badges == []
    assert progress() == (2, None)
    assert bonus_entries() == [(-500, "challenge_reversed"), (500, "challenge")]
    # Completing it again credits it again: once per completion that holds.
    place("o-9")
    assert members.get("m-1").points.available == 30 + 500
    audit_clean()


def test_a_partial_refund_of_an_order_leaves_its_count(setup: Any) -> None:
    setup(challenge())
    for i in range(3):
        place(f"o-{i}")
    refund("o-2", "r-1", amount_minor=400)
    assert progress() == (3, NOW)
    assert members.get("m-1").points.available == 26 + 500
    audit_clean()


def test_a_spent_reward_reversed_becomes_debt(setup: Any) -> None:
    setup(challenge())
    for i in range(3):
        place(f"o-{i}")
    spent = AdjustmentRequest(adjustment_id="a-1", points=-520, reason="spent")
    adjustments.adjust("m-1", spent, adjustments.Actor(key_id=None, label="support"))
    refund("o-2", "r-1", amount_minor=1_000)
    # The order's 10 points come back from the 10 left, the reward's 500 are owed.
    member = members.get("m-1")
    assert member.points.available == 0
    # 600 points pay the 500 owed first; the order completes the challenge again (+500).
    place("o-9", price=60_000)
    assert members.get("m-1").points.available == 600 - 500 + 500
    audit_clean()


def test_spend_and_categories_and_a_refund_by_spend(setup: Any) -> None:
    spend = challenge(challenge_id="c-spend", kind="spend_minor", goal=5_000, reward_points=100, badge=None)
    cats = challenge(challenge_id="c-cats", kind="categories", goal=2, reward_points=50, badge="explorer")
    setup(spend, cats)
    place("o-1", price=3_000, category="shoes")
    place("o-2", price=1_000, category="shoes")
    assert progress("c-spend") == (4_000, None) and progress("c-cats") == (1, None)
    place("o-3", price=1_000, category="hats")
    assert progress("c-spend") == (5_000, NOW) and progress("c-cats") == (2, NOW)
    assert members.get("m-1").points.available == 50 + 150
    refund("o-1", "r-1", amount_minor=100)  # spend drops to 4,900: the spend challenge is undone
    assert progress("c-spend") == (4_900, None) and progress("c-cats") == (2, NOW)
    assert members.get("m-1").points.available == 49 + 50
    audit_clean()


def test_a_weekly_streak_counts_consecutive_weeks_and_a_gap_restarts_it(setup: Any) -> None:
    streak = challenge(challenge_id="c-streak", kind="weekly_streak", goal=3, window_days=60, reward_points=70)
    setup(streak)
    place("o-1", at=NOW - timedelta(days=21))  # three weeks ago
    place("o-2", at=NOW - timedelta(days=7))  # last week: the gap broke the streak
    assert progress("c-streak") == (1, None)
    place("o-3", at=NOW - timedelta(days=3))  # Monday of this week
    place("o-4")  # the same week counts once
    assert progress("c-streak") == (2, None)
    place("o-5", at=NOW - timedelta(days=14))  # the missing week arrives late: three in a row
    assert progress("c-streak")[0] == 3 and members.get("m-1").points.available == 50 + 70
    audit_clean()


def test_a_repeatable_challenge_restarts_and_counts_its_badge(setup: Any) -> None:
    setup(challenge(goal=2, repeatable=True))
    for i in range(5):
        place(f"o-{i}")
    member = members.get("m-1")
    assert member.points.available == 50 + 2 * 500
    assert [(b.badge, b.count) for b in member.badges] == [("regular", 2)]
    assert progress() == (1, NOW)
    refund("o-0", "r-1", amount_minor=1_000)  # its round completed: that completion is undone
    member = members.get("m-1")
    assert member.points.available == 40 + 500
    assert [(b.badge, b.count) for b in member.badges] == [("regular", 1)]
    # The same round's other order: its completion is undone already; the second round's stands.
    refund("o-1", "r-2", amount_minor=1_000)
    member = members.get("m-1")
    assert member.points.available == 30 + 500
    assert [(b.badge, b.count) for b in member.badges] == [("regular", 1)]
    assert bonus_entries().count((-500, "challenge_reversed")) == 1
    audit_clean()


def test_orders_outside_the_challenge_dates_do_not_count(setup: Any) -> None:
    setup(challenge(starts_at=(NOW - timedelta(days=2)).isoformat(), ends_at=(NOW + timedelta(days=5)).isoformat()))
    place("o-1", at=NOW - timedelta(days=3))
    place("o-2")
    assert progress() == (1, None)
    assert challenges.page("m-1").items[0].ends_at == NOW + timedelta(days=5)


def test_on_a_month_expiry_program_the_reward_joins_the_member_items_lots_and_leaves_them(setup: Any) -> None:
    setup(challenge(), expiry_granularity="month")
    for i in range(3):
        place(f"o-{i}")
    assert members.get("m-1").points.available == 530
    refund("o-2", "r-1", amount_minor=1_000)
    assert members.get("m-1").points.available == 20
    audit_clean()
