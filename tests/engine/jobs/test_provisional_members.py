"""A provisional member's pending points move with its takeover, and its orders mature into the member
that took it over (their order items still name the provisional member: the job follows ``merged_into``).
A refund of such an order reverses from that member too; the expiry job expires the moved lots there."""

from __future__ import annotations

import pytest

from loyalty.adapters import clock
from loyalty.models.member import EnrollRequest
from loyalty.models.order import RefundRequest
from loyalty.services import members, privacy, refunds
from loyalty.services.adjustments import Actor
from tests.auditing import audit_clean
from tests.service.jobs.conftest import at, configure, earn, run

pytestmark = pytest.mark.engine

EMAIL = "ada@example.com"


def provisional(member_id: str = "guest:1") -> None:
    clock.set_clock(lambda: at("2026-11-01 09:00"))
    members.enroll(EnrollRequest(member_id=member_id, email=EMAIL), provisional=True)


def take_over() -> None:
    clock.set_clock(lambda: at("2026-11-23 09:00"))
    _, created = members.enroll(EnrollRequest(member_id="ada", email=EMAIL, marketing_opt_in=True))
    assert created


def pending_order_taken_over() -> None:
    """guest:1 earns 300 points, pending until 15 Nov, then Ada takes it over on 23 Nov."""
    configure(pending_days=14)
    provisional()
    earn("guest:1", "o-1", 300, "2026-11-01 10:00")
    take_over()


def test_pending_points_move_and_their_orders_mature_into_the_member_that_took_over(jobs: str) -> None:
    configure(pending_days=14)
    provisional()
    earn("guest:1", "o-1", 300, "2026-11-01 10:00")  # pending until 15 Nov
    run("mature", "2026-11-15 00:05")
    earn("guest:1", "o-2", 500, "2026-11-22 10:00")  # pending until 6 Dec
    take_over()
    ada = members.get("ada")
    assert (ada.points.available, ada.points.pending, ada.points.lifetime_earned) == (300, 500, 800)
    assert members.get("guest:1").status == "merged"
    audit_clean()

    counts = run("mature", "2026-12-06 00:05")
    assert counts["orders_matured"] == 1 and not counts["failures"]
    ada = members.get("ada")
    assert (ada.points.available, ada.points.pending) == (800, 0)
    assert members.get("guest:1").points.available == 0
    audit_clean()


def test_a_refund_of_a_merged_members_order_reverses_from_the_member_it_went_to(jobs: str) -> None:
    pending_order_taken_over()
    refunded = refunds.refund("o-1", RefundRequest(refund_id="r-1", amount_minor=10_000)).result
    assert refunded.points_reversed == 100 and refunded.member.member_id == "ada"
    assert members.get("ada").points.pending == 200
    run("mature", "2026-11-15 00:05")
    assert members.get("ada").points.available == 200
    audit_clean()


def test_the_taker_erased_before_the_orders_mature_forfeits_them(jobs: str) -> None:
    pending_order_taken_over()
    privacy.erase("ada", Actor(key_id=None, label="privacy desk"))
    counts = run("mature", "2026-11-15 00:05")
    assert counts["orders_of_erased_members"] == 1 and not counts["failures"]
    audit_clean()
