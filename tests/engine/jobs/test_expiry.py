"""Expiry, by time travel: points earned on a day expire at the end of the same day twelve months later,
what was redeemed is not expired again, a run after any outage catches up, and a second run changes
nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest

from loyalty.adapters import clock
from loyalty.models.common import rfc3339
from loyalty.models.entry import Entry
from loyalty.services import activity, members, redemptions
from loyalty.services.jobs import expiry
from loyalty.store import keys, member_reads
from loyalty.store.client import dynamodb
from tests.auditing import audit_clean
from tests.conftest import table_items
from tests.rewarding import redeem, reward
from tests.service.jobs.conftest import at, configure, earn, enroll, held, profile, run

# The engine decides these outcomes (transactions, conditions, index queries): moto and DynamoDB Local.
pytestmark = pytest.mark.engine


@pytest.fixture(autouse=True)
def sound_afterwards(jobs: str) -> Iterator[None]:
    """Every test here ends with the audit: balances, lots, ledger and expiry days agree."""
    yield
    audit_clean()


def entries(member_id: str) -> list[Entry]:
    return activity.page(member_id, 50, None).items


def balance(member_id: str) -> tuple[int, list[tuple[str, int]]]:
    member = members.get(member_id)
    return member.points.available, [(e.expires_on, e.points) for e in member.expiring]


def expiry_day(member_id: str) -> str | None:
    state = member_reads.read(member_id, "none")
    assert state is not None
    return state.member.due.expiry.isoformat() if state.member.due.expiry else None


def test_points_expire_on_the_day_twelve_months_later_and_not_one_day_earlier(jobs: str) -> None:
    enroll("m-1")
    earn("m-1", "o-1", 500, "2026-11-22 21:30")  # 02:30Z on the 23rd: still the 22nd in New York
    earn("m-1", "o-2", 200, "2026-11-23 09:00")
    assert balance("m-1") == (700, [("2027-11-22", 500), ("2027-11-23", 200)])

    # The last run before the day ends (any time on 2027-11-22) leaves it alone.
    assert run("expire", "2027-11-22 23:59")["days_expired"] == 0
    assert balance("m-1")[0] == 700

    counts = run("expire", "2027-11-23 00:15")
    assert (counts["days_expired"], counts["points_expired"], counts["failures"]) == (1, 500, 0)
    assert balance("m-1") == (200, [("2027-11-23", 200)])
    assert held("m-1") == {"2027-11-23": 200}
    assert expiry_day("m-1") == "2027-11-23"

    clock.set_clock(lambda: at("2027-11-23 08:00"))
    expired = [entry for entry in entries("m-1") if entry.kind == "expire"]
    assert len(expired) == 1
    assert expired[0].points == -500 and expired[0].balance_after == 200
    assert rfc3339(expired[0].occurred_at) == "2027-11-23T04:59:59.999Z"  # the end of 22 November in New York
    assert expired[0].entry_id == "expire:2027-11-22"

    # The next day's points, on their own day.
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
    redeem("m-1", "rd-1", "tote-bag")  # taken from the soonest day: 300 of its 500 are left
    assert balance("m-1") == (400, [("2027-11-22", 300), ("2028-03-01", 100)])

    counts = run("expire", "2027-11-23 00:15")
    assert counts["points_expired"] == 300
    assert balance("m-1") == (100, [("2028-03-01", 100)])


def test_a_week_without_a_run_is_caught_up_by_the_next_one_and_the_one_after_changes_nothing(jobs: str) -> None:
    enroll("m-1")
    for day, points in ((20, 10), (21, 20), (22, 30), (25, 40), (26, 50), (30, 60)):
        earn("m-1", f"o-{day}", points, f"2026-11-{day} 10:00")
    # No run from the 21st to the 27th: the run of the 28th settles every day up to the 27th.
    counts = run("expire", "2027-11-28 00:15")
    assert (counts["days_expired"], counts["points_expired"], counts["failures"]) == (5, 150, 0)
    assert balance("m-1") == (60, [("2027-11-30", 60)])
    assert expiry_day("m-1") == "2027-11-30"
    again = run("expire", "2027-11-28 00:20")
    assert (again["items_read"], again["points_expired"]) == (0, 0)
    clock.set_clock(lambda: at("2027-11-28 08:00"))
    expired = sorted((e.entry_id, e.points, e.balance_after) for e in entries("m-1") if e.kind == "expire")
    assert expired == [
        ("expire:2027-11-20", -10, 200),
        ("expire:2027-11-21", -20, 180),
        ("expire:2027-11-22", -30, 150),
        ("expire:2027-11-25", -40, 110),
        ("expire:2027-11-26", -50, 60),
    ]


def test_points_given_back_after_their_day_expired_expire_on_the_next_run(jobs: str) -> None:
    enroll("m-1")
    earn("m-1", "o-1", 500, "2026-11-22 10:00")
    earn("m-1", "o-2", 300, "2027-06-01 10:00")
    reward("tote-bag", 200)
    clock.set_clock(lambda: at("2027-11-20 12:00"))
    redeem("m-1", "rd-1", "tote-bag")  # 200 from 2027-11-22
    assert run("expire", "2027-11-23 00:15")["points_expired"] == 300
    clock.set_clock(lambda: at("2027-11-25 12:00"))
    redemptions.cancel("rd-1")  # the 200 points go back to their day, which has ended
    assert balance("m-1") == (500, [("2028-06-01", 300)])  # ended points are not shown as expiring
    assert expiry_day("m-1") == "2027-11-22"  # the member is due at once
    counts = run("expire", "2027-11-26 00:15")
    assert counts["points_expired"] == 200
    assert balance("m-1") == (300, [("2028-06-01", 300)])
    clock.set_clock(lambda: at("2027-11-26 08:00"))
    kinds = [(e.entry_id, e.points) for e in entries("m-1")]
    assert kinds[:3] == [("expire:2027-11-22:2027-11-26", -200), ("cancel:rd-1", 200), ("expire:2027-11-22", -300)]


def test_points_without_expiry_never_expire(jobs: str) -> None:
    configure(expiry_months=None)
    enroll("m-1")
    earn("m-1", "o-1", 500, "2026-11-22 10:00")
    assert expiry_day("m-1") is None
    assert run("expire", "2036-11-23 00:15")["items_read"] == 0
    assert balance("m-1") == (500, [])


def test_the_expiry_job_reads_only_the_members_due_once_each(jobs: str) -> None:
    for member_id in ("m-1", "m-2", "m-3", "m-4"):
        enroll(member_id, when="2026-11-20 10:00")
    earn("m-1", "o-1", 500, "2026-11-22 10:00")
    earn("m-1", "o-2", 40, "2026-11-22 11:00")  # the same day
    earn("m-2", "o-3", 300, "2026-11-23 10:00")  # ends a day later
    earn("m-3", "o-4", 80, "2026-11-21 10:00")  # ended the day before
    earn("m-4", "o-5", 10, "2027-01-05 10:00")  # expires in 2028
    counts = run("expire", "2027-11-23 00:15")
    # Every member waited on its enrollment's lower bound (2027-10-21: points can be earned for orders
    # placed 30 days back), so each is read once: m-1 and m-3 expire, m-2 and m-4 move to their real day.
    assert (counts["days_expired"], counts["points_expired"], counts["failures"]) == (2, 620, 0)
    assert counts["items_read"] == 4 and counts["members_read"] == 4
    # m-1 has nothing left: it waits where points it earns from now on could expire at the soonest.
    assert (expiry_day("m-1"), expiry_day("m-2"), expiry_day("m-4")) == ("2028-10-24", "2027-11-23", "2028-01-05")
    assert run("expire", "2027-11-23 00:20")["items_read"] == 0


def test_points_maturing_into_a_sooner_day_move_the_member_to_that_day(jobs: str) -> None:
    configure(pending_days=14, expiry_months=24)
    enroll("m-1")
    earn("m-1", "o-1", 500, "2026-11-22 10:00")  # pending; will expire on 2028-11-22
    configure(pending_days=14, expiry_months=12)
    earn("m-1", "o-2", 70, "2026-11-23 10:00")  # pending; will expire on 2027-11-23, sooner
    assert run("mature", "2026-12-06 00:05")["orders_matured"] == 1
    counts = run("mature", "2026-12-07 00:05")
    assert (counts["orders_matured"], counts["failures"]) == (1, 0)
    assert held("m-1") == {"2027-11-23": 70, "2028-11-22": 500}
    assert expiry_day("m-1") is not None and expiry_day("m-1") <= "2027-11-23"  # type: ignore[operator]
    assert run("expire", "2027-11-24 00:15")["points_expired"] == 70
    assert balance("m-1") == (500, [("2028-11-22", 500)])


def test_more_ended_days_than_one_transaction_holds_all_expire(jobs: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(expiry, "DAYS_PER_WRITE", 2)
    enroll("m-1")
    for day, points in ((20, 10), (21, 20), (22, 30), (23, 40)):
        earn("m-1", f"o-{day}", points, f"2026-11-{day} 10:00")
    counts = run("expire", "2027-11-23 00:15")  # the 20th to the 22nd have ended
    assert (counts["days_expired"], counts["points_expired"], counts["failures"]) == (3, 60, 0)
    clock.set_clock(lambda: at("2027-11-23 08:00"))
    expired = [(e.points, e.balance_after) for e in entries("m-1") if e.kind == "expire"]
    assert sorted(expired) == [(-30, 40), (-20, 70), (-10, 90)]
    assert balance("m-1") == (40, [("2027-11-23", 40)])


def test_daily_points_in_two_expiry_months_expire_a_day_at_a_time(jobs: str) -> None:
    enroll("m-1", when="2026-01-01 10:00")
    for offset in range(50):  # 1 January to 19 February: two expiry months
        day = date(2026, 1, 1) + timedelta(days=offset)
        earn("m-1", f"o-{offset}", 10, f"{day.isoformat()} 10:00")
    assert len(held("m-1")) == 50
    lots = [item for item in table_items(dynamodb()) if item["SK"]["S"].startswith(keys.LOT_PREFIX)]
    assert len(lots) == 2  # one item per expiry month, whatever the number of days
    assert run("expire", "2027-01-02 00:15")["points_expired"] == 10
    assert run("expire", "2027-01-03 00:15")["points_expired"] == 10
    assert balance("m-1") == (480, [("2027-01-03", 10), ("2027-01-04", 10), ("2027-01-05", 10)])
