"""Maturing, by time travel: pending points become available on the exact day, and only then can be
redeemed; refunds in between are respected; a second run changes nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from loyalty.adapters import clock
from loyalty.domain.errors import InsufficientPoints
from loyalty.models.order import RefundRequest
from loyalty.services import members, refunds
from loyalty.store import keys
from loyalty.store import orders as order_store
from loyalty.store.client import dynamodb, from_item, table_name, to_item
from tests.auditing import audit_clean
from tests.rewarding import redeem, reward
from tests.service.jobs.conftest import at, configure, earn, enroll, held, profile, run

# The engine decides these outcomes (transactions, conditions, index queries): moto and DynamoDB Local.
pytestmark = pytest.mark.engine


@pytest.fixture(autouse=True)
def sound_afterwards(jobs: str) -> Iterator[None]:
    """Every test here ends with the audit: balances, lots, ledger and the expiry schedule agree."""
    yield
    audit_clean()


def points(member_id: str) -> tuple[int, int]:
    member = members.get(member_id)
    return member.points.pending, member.points.available


def test_pending_points_become_available_on_the_exact_day_and_only_then_can_be_redeemed(jobs: str) -> None:
    configure(pending_days=14)
    enroll("m-1")
    accrued = earn("m-1", "o-1", 500, "2026-11-22 10:00")
    assert accrued.result.status == "pending"
    assert clock.isoformat(accrued.result.available_at) == "2026-12-06T05:00:00.000Z"  # midnight, New York
    reward("tote-bag", 200)

    counts = run("mature", "2026-12-05 23:59")  # the day before: nothing is due yet
    assert counts["orders_matured"] == 0
    assert points("m-1") == (500, 0)
    clock.set_clock(lambda: at("2026-12-05 23:59"))
    with pytest.raises(InsufficientPoints):
        redeem("m-1", "rd-early", "tote-bag")

    counts = run("mature", "2026-12-06 00:05")
    assert (counts["orders_matured"], counts["points_matured"], counts["failures"]) == (1, 500, 0)
    assert points("m-1") == (0, 500)
    assert held("m-1") == {"2027-11-22": 500}
    stored = dynamodb().get_item(TableName=table_name(), Key=to_item(keys.order("o-1")), ConsistentRead=True)
    order = from_item(stored["Item"])
    assert order["status"] == "available" and "GSI2PK" not in order

    clock.set_clock(lambda: at("2026-12-06 09:00"))
    assert redeem("m-1", "rd-1", "tote-bag").result.points_spent == 200
    assert points("m-1") == (0, 300)


def test_a_second_run_changes_nothing(jobs: str) -> None:
    configure(pending_days=14)
    enroll("m-1")
    earn("m-1", "o-1", 500, "2026-11-22 10:00")
    assert run("mature", "2026-12-06 00:05")["points_matured"] == 500
    before = profile("m-1")
    again = run("mature", "2026-12-06 00:05")
    assert again["items_read"] == 0 and again["points_matured"] == 0
    assert profile("m-1") == before


def pending_order_refunded(amount_minor: int) -> None:
    """m-1's order of 500 points (pending until 6 Dec), refunded by ``amount_minor`` on 25 Nov."""
    configure(pending_days=14)
    enroll("m-1")
    earn("m-1", "o-1", 500, "2026-11-22 10:00")
    clock.set_clock(lambda: at("2026-11-25 10:00"))
    refunds.refund("o-1", RefundRequest.model_validate({"refund_id": "r-1", "amount_minor": amount_minor}))


def test_only_what_a_refund_left_pending_matures(jobs: str) -> None:
    pending_order_refunded(20_000)
    assert points("m-1") == (300, 0)
    counts = run("mature", "2026-12-06 00:05")
    assert counts["points_matured"] == 300
    assert points("m-1") == (0, 300)


def test_a_fully_refunded_order_leaves_its_bucket_with_nothing_to_move(jobs: str) -> None:
    pending_order_refunded(50_000)
    counts = run("mature", "2026-12-06 00:05")
    assert (counts["orders_matured"], counts["points_matured"]) == (1, 0)
    assert points("m-1") == (0, 0)
    assert run("mature", "2026-12-07 00:05")["items_read"] == 0


def test_a_run_after_a_week_without_runs_catches_up_and_the_next_changes_nothing(jobs: str) -> None:
    configure(pending_days=14)
    enroll("m-1")
    earn("m-1", "o-1", 500, "2026-11-22 10:00")
    earn("m-1", "o-2", 100, "2026-11-24 10:00")
    earn("m-1", "o-3", 7, "2026-11-30 10:00")  # matures on 14 December
    counts = run("mature", "2026-12-13 00:05")  # no run since the 5th
    assert (counts["orders_matured"], counts["points_matured"], counts["items_read"]) == (2, 600, 2)
    assert points("m-1") == (7, 600)
    assert run("mature", "2026-12-13 00:06")["items_read"] == 0
    assert order_store.get_pending("o-3") is not None
