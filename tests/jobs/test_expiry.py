"""Expiry, by time travel: points earned on a day expire at the end of the same day twelve months later,
what was redeemed from the lot is not expired again, and a second run changes nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from loyalty.adapters import clock
from loyalty.models.common import rfc3339
from loyalty.models.entry import Entry
from loyalty.services import activity, members, redemptions
from loyalty.services.jobs import expiry
from loyalty.store import keys
from loyalty.store.client import dynamodb, table_name, to_item, to_value
from tests.auditing import audit_clean
from tests.jobs.conftest import at, configure, earn, enroll, lot, profile, run
from tests.rewarding import redeem, reward


@pytest.fixture(autouse=True)
def sound_afterwards(jobs: str) -> Iterator[None]:
    """Every test here ends with the audit: balances, lots, ledger and the expiry schedule agree."""
    yield
    audit_clean()


def entries(member_id: str) -> list[Entry]:
    return activity.page(member_id, 20, None).items


def balance(member_id: str) -> tuple[int, list[tuple[str, int]]]:
    member = members.get(member_id)
    return member.points.available, [(e.expires_on, e.points) for e in member.expiring]


def test_points_expire_on_the_day_twelve_months_later_and_not_one_day_earlier(jobs: str) -> None:
    enroll("m-1")
    earn("m-1", "o-1", 500, "2026-11-22 21:30")  # 02:30Z on the 23rd: still the 22nd in New York
    earn("m-1", "o-2", 200, "2026-11-23 09:00")
    assert balance("m-1") == (700, [("2027-11-22", 500), ("2027-11-23", 200)])

    # The last run before the lot's day ends (any time on 2027-11-22) leaves it alone.
    assert run("expire", "2027-11-22 23:59")["lots_expired"] == 0
    assert balance("m-1")[0] == 700

    counts = run("expire", "2027-11-23 00:15")
    assert (counts["lots_expired"], counts["points_expired"], counts["failures"]) == (1, 500, 0)
    assert balance("m-1") == (200, [("2027-11-23", 200)])
    assert lot("m-1", "2027-11-22") is not None and lot("m-1", "2027-11-22")["available"] == 0

    clock.set_clock(lambda: at("2027-11-23 08:00"))
    expired = [entry for entry in entries("m-1") if entry.kind == "expire"]
    assert len(expired) == 1
    assert expired[0].points == -500 and expired[0].balance_after == 200
    assert rfc3339(expired[0].occurred_at) == "2027-11-23T04:59:59.999Z"  # the end of 22 November in New York
    assert expired[0].entry_id == "expire:2027-11-22"

    # The next day's lot, on its own day.
    assert run("expire", "2027-11-24 00:15")["points_expired"] == 200
    assert balance("m-1") == (0, [])


def test_a_second_run_the_same_day_changes_nothing(jobs: str) -> None:
    enroll("m-1")
    earn("m-1", "o-1", 500, "2026-11-22 10:00")
    first = run("expire", "2027-11-23 00:15")
    before = profile("m-1")
    again = run("expire", "2027-11-23 00:15")
    later = run("expire", "2027-11-23 18:00")
    assert first["points_expired"] == 500
    assert again["items_read"] == 0 and again["points_expired"] == 0 and later["items_read"] == 0
    assert profile("m-1") == before
    clock.set_clock(lambda: at("2027-11-24 08:00"))
    assert [e.kind for e in entries("m-1")] == ["expire", "earn"]


def test_after_a_partial_redemption_only_the_rest_expires(jobs: str) -> None:
    enroll("m-1")
    earn("m-1", "o-1", 500, "2026-11-22 10:00")
    earn("m-1", "o-2", 100, "2027-03-01 10:00")
    reward("tote-bag", 200)
    clock.set_clock(lambda: at("2027-05-01 12:00"))
    redeem("m-1", "rd-1", "tote-bag")  # taken from the soonest-expiring lot: 300 of 500 are left in it
    assert balance("m-1") == (400, [("2027-11-22", 300), ("2028-03-01", 100)])

    counts = run("expire", "2027-11-23 00:15")
    assert counts["points_expired"] == 300
    assert balance("m-1") == (100, [("2028-03-01", 100)])


def test_a_missed_run_is_caught_up_by_the_next_one(jobs: str) -> None:
    enroll("m-1")
    earn("m-1", "o-1", 500, "2026-11-22 10:00")
    earn("m-1", "o-2", 70, "2026-11-24 10:00")
    # No run on the 23rd, 24th or 25th: the run of the 26th covers the three days before it.
    counts = run("expire", "2027-11-26 00:15")
    assert counts["points_expired"] == 570 and counts["lots_expired"] == 2
    assert balance("m-1") == (0, [])


def test_points_given_back_after_their_lot_expired_expire_on_the_next_run(jobs: str) -> None:
    enroll("m-1")
    earn("m-1", "o-1", 500, "2026-11-22 10:00")
    earn("m-1", "o-2", 300, "2027-06-01 10:00")
    reward("tote-bag", 200)
    clock.set_clock(lambda: at("2027-11-20 12:00"))
    redeem("m-1", "rd-1", "tote-bag")  # 200 from the lot of 2027-11-22
    assert run("expire", "2027-11-23 00:15")["points_expired"] == 300
    clock.set_clock(lambda: at("2027-11-25 12:00"))
    redemptions.cancel("rd-1")  # the 200 points go back to their expired lot, queued for today's run
    assert balance("m-1")[0] == 500
    counts = run("expire", "2027-11-26 00:15")
    assert counts["points_expired"] == 200
    assert balance("m-1") == (300, [("2028-06-01", 300)])
    clock.set_clock(lambda: at("2027-11-26 08:00"))
    kinds = [(e.kind, e.points) for e in entries("m-1")]
    assert kinds[:3] == [("expire", -200), ("redemption_cancel", 200), ("expire", -300)]


def test_points_without_expiry_never_expire(jobs: str) -> None:
    configure(expiry_months=None)
    enroll("m-1")
    earn("m-1", "o-1", 500, "2026-11-22 10:00")
    assert run("expire", "2036-11-23 00:15")["items_read"] == 0
    assert balance("m-1") == (500, [])


def test_the_expiry_job_reads_only_the_members_due_once_each(jobs: str) -> None:
    for member_id in ("m-1", "m-2", "m-3"):
        enroll(member_id)
    earn("m-1", "o-1", 500, "2026-11-22 10:00")
    earn("m-1", "o-2", 40, "2026-11-22 11:00")  # the same lot
    earn("m-2", "o-3", 300, "2026-11-23 10:00")  # ends a day later
    earn("m-3", "o-4", 80, "2026-11-21 10:00")  # ended the day before
    assert profile("m-1")["expiry_schedule"] == {"2027-11-22": 540}
    assert profile("m-1")["expiry_due_on"] == "2027-11-22"
    counts = run("expire", "2027-11-23 00:15")
    # m-3's lot ended on the 21st and no run has happened since: the catch-up days cover it.
    assert (counts["items_read"], counts["lots_expired"], counts["points_expired"]) == (2, 2, 620)
    assert counts["members_read"] == 0
    assert "expiry_due_on" not in profile("m-1") and profile("m-1")["expiry_schedule"] == {}
    assert profile("m-2")["expiry_due_on"] == "2027-11-23"


def test_points_maturing_into_a_sooner_lot_move_the_member_to_that_day(jobs: str) -> None:
    configure(pending_days=14, expiry_months=24)
    enroll("m-1")
    earn("m-1", "o-1", 500, "2026-11-22 10:00")  # pending; will expire on 2028-11-22
    configure(pending_days=14, expiry_months=12)
    earn("m-1", "o-2", 70, "2026-11-23 10:00")  # pending; will expire on 2027-11-23, sooner
    assert run("mature", "2026-12-06 00:05")["orders_matured"] == 1
    assert profile("m-1")["expiry_due_on"] == "2028-11-22"
    counts = run("mature", "2026-12-07 00:05")
    assert (counts["orders_matured"], counts["failures"]) == (1, 0)
    assert profile("m-1")["expiry_schedule"] == {"2027-11-23": 70, "2028-11-22": 500}
    assert profile("m-1")["expiry_due_on"] == "2027-11-23"
    assert run("expire", "2027-11-24 00:15")["points_expired"] == 70
    assert balance("m-1") == (500, [("2028-11-22", 500)])


def test_more_ended_lots_than_one_transaction_holds_all_expire(jobs: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(expiry, "LOTS_PER_WRITE", 2)
    enroll("m-1")
    for day, points in ((20, 10), (21, 20), (22, 30), (23, 40)):
        earn("m-1", f"o-{day}", points, f"2026-11-{day} 10:00")
    counts = run("expire", "2027-11-23 00:15")  # the 20th to the 22nd have ended (catch-up of 3 days)
    assert (counts["lots_expired"], counts["points_expired"], counts["failures"]) == (3, 60, 0)
    clock.set_clock(lambda: at("2027-11-23 08:00"))
    expired = [(e.points, e.balance_after) for e in entries("m-1") if e.kind == "expire"]
    assert sorted(expired) == [(-30, 40), (-20, 70), (-10, 90)]
    assert balance("m-1") == (40, [("2027-11-23", 40)])


def test_a_schedule_that_disagrees_with_the_lots_is_rebuilt_from_them(jobs: str) -> None:
    enroll("m-1")
    earn("m-1", "o-1", 500, "2026-11-22 10:00")
    dynamodb().update_item(  # a schedule gone wrong (say, by a hand edit): the lot is the truth
        TableName=table_name(),
        Key=to_item(keys.member("m-1")),
        UpdateExpression="SET expiry_schedule.#day = :wrong",
        ExpressionAttributeNames={"#day": "2027-11-22"},
        ExpressionAttributeValues={":wrong": to_value(999)},
    )
    counts = run("expire", "2027-11-23 00:15")
    assert (counts["schedules_rebuilt"], counts["points_expired"], counts["failures"]) == (1, 500, 0)
    assert balance("m-1") == (0, [])
