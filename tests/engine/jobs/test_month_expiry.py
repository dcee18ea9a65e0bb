"""A program on month expiry (``expiry_granularity: month``): points earned in month M expire at the end of
month M + expiry_months; an accrual keeps them on the member item (no lot item), and every other path
(redemption and its cancel, refunds, adjustments, expiry, reminders' reads, erasure, a takeover of a
provisional member, the audit) finds them there as it finds them on lot items."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from loyalty.adapters import clock
from loyalty.models.adjustment import AdjustmentRequest
from loyalty.models.member import EnrollRequest
from loyalty.models.order import RefundRequest
from loyalty.services import adjustments, members, privacy, program, redemptions, refunds
from loyalty.store import keys, member_reads
from loyalty.store.client import dynamodb
from tests.auditing import audit_clean
from tests.conftest import table_items
from tests.rewarding import redeem, reward
from tests.service.jobs.conftest import at, configure, earn, enroll, held, profile, run

pytestmark = pytest.mark.engine
ACTOR = adjustments.Actor(key_id=None, label="support")


def lot_items(member_id: str) -> list[str]:
    prefix = f"{keys.PROFILE}#LOT#"
    return [
        item["SK"]["S"]
        for item in table_items(dynamodb())
        if item["PK"]["S"] == keys.member_partition(member_id) and item["SK"]["S"].startswith(prefix)
    ]


@pytest.fixture
def month_program(jobs: str) -> Iterator[None]:
    clock.set_clock(lambda: at("2026-06-10 09:00"))
    configure(expiry_months=2)
    enroll("m-day", when="2026-06-10 09:00")
    earn("m-day", "o-day", 100, "2026-06-10 10:00")  # before the setting: expires by day
    clock.set_clock(lambda: at("2026-06-10 11:00"))
    configure(expiry_months=2, expiry_granularity="month")
    yield
    audit_clean()


def test_the_setting_is_stamped_once_and_applies_to_points_earned_after_it(month_program: None) -> None:
    since = program.current().expiry_granularity_since
    assert since is not None and since == at("2026-06-10 11:00")
    clock.set_clock(lambda: at("2026-07-01 09:00"))
    configure(expiry_months=2, expiry_granularity="month", expiry_granularity_since="2030-01-01T00:00:00Z")
    assert program.current().expiry_granularity_since == since  # saved again: the first time stays
    earn("m-day", "o-month", 40, "2026-06-10 12:00")
    assert held("m-day") == {"2026-08-10": 100, "2026-08-31": 40}
    assert lot_items("m-day") == [
        f"{keys.PROFILE}#LOT#2026-08"
    ]  # the day lot's item; June's month lot rides on the member
    configure(expiry_months=2)  # back to days: the stamp goes
    assert program.current().expiry_granularity_since is None


def test_an_accrual_keeps_the_months_points_on_the_member_item(month_program: None) -> None:
    enroll("m-1", when="2026-06-10 12:00")
    for day in (11, 20, 30):
        earn("m-1", f"o-{day}", 10, f"2026-06-{day} 12:00")
    earn("m-1", "o-july", 5, "2026-07-01 00:30")
    assert held("m-1") == {"2026-08-31": 30, "2026-09-30": 5}
    assert lot_items("m-1") == []
    assert "ml" in profile("m-1")
    assert members.get("m-1").points.available == 35


def test_spending_refunds_and_cancels_take_from_the_member_item(month_program: None) -> None:
    enroll("m-1", when="2026-06-10 12:00")
    earn("m-1", "o-june", 30, "2026-06-15 12:00")
    earn("m-1", "o-july", 20, "2026-07-02 12:00")
    clock.set_clock(lambda: at("2026-07-03 12:00"))
    reward("r", 25)
    redeem("m-1", "red-1", "r")  # the soonest month first: June's 25
    assert held("m-1") == {"2026-08-31": 5, "2026-09-30": 20}
    redemptions.cancel("red-1")  # back to their expiry day (on a lot item: only accruals add to the member item)
    assert held("m-1") == {"2026-08-31": 30, "2026-09-30": 20}
    refunds.refund("o-july", RefundRequest(refund_id="rf-1", amount_minor=1_000))
    assert held("m-1") == {"2026-08-31": 30, "2026-09-30": 10}
    debit = adjustments.adjust("m-1", AdjustmentRequest(adjustment_id="a-1", points=-35, reason="fix"), ACTOR)
    assert debit.created and held("m-1") == {"2026-09-30": 5}
    assert members.get("m-1").points.available == 5


def test_expiry_at_the_end_of_the_month(month_program: None) -> None:
    enroll("m-1", when="2026-06-10 12:00")
    earn("m-1", "o-june", 30, "2026-06-15 12:00")
    earn("m-1", "o-july", 20, "2026-07-31 23:30")  # local time: still July
    run("expire", "2026-08-31 00:15")
    assert held("m-1") == {"2026-08-31": 30, "2026-09-30": 20}  # 31 August's points expire at its end
    expired = run("expire", "2026-09-01 00:15")
    assert expired["points_expired"] >= 30
    assert held("m-1") == {"2026-09-30": 20}
    assert members.get("m-1").points.available == 20
    state = member_reads.read("m-1", "all")
    assert state is not None and state.member.lots == {p: n for p, n in state.portions.items() if n}


def test_erasure_takes_the_member_items_points(month_program: None) -> None:
    enroll("m-1", when="2026-06-10 12:00")
    earn("m-1", "o-june", 30, "2026-06-15 12:00")
    privacy.erase("m-1", privacy.Actor(key_id=None, label="support"))
    assert "ml" not in profile("m-1")
    assert lot_items("m-1") == []


def test_a_takeover_moves_the_provisional_members_points(month_program: None) -> None:
    clock.set_clock(lambda: at("2026-06-12 12:00"))
    members.enroll(EnrollRequest(member_id="p-1", email="shopper@example.com"), provisional=True)
    earn("p-1", "o-p", 30, "2026-06-12 12:00")
    assert lot_items("p-1") == []
    clock.set_clock(lambda: at("2026-06-13 12:00"))
    members.enroll(EnrollRequest(member_id="m-2", email="shopper@example.com"))
    assert members.get("m-2").points.available == 30
    assert held("m-2") == {"2026-08-31": 30}
    assert "ml" not in profile("p-1")
