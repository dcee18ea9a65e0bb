"""Accounting: points valued at issue, the roll-forward that always adds up, the liability that equals
the ledger, and KPIs, over a scripted year of activity (orders, refunds, redemptions and their
cancellations, expiries by the daily job, adjustments, an erasure and two changes of the point value).

Reports are read through the API as an admin would; the ledger they are checked against is the table
itself (members' balances and the lots' valued portions)."""

from __future__ import annotations

import csv
import io
import itertools
import json
from calendar import monthrange
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any

import pytest

from harness.books import settle_books
from loyalty.adapters import clock
from loyalty.store.client import dynamodb, from_item, table_name
from tests.service.jobs.conftest import at, configure, earn, enroll, profile, run

# The engine decides these outcomes (transactions, conditions, index queries): moto and DynamoDB Local.
pytestmark = pytest.mark.engine

ROOT = Path(__file__).resolve().parents[3]
KINDS = ("issued_sales", "issued_other", "redeemed", "redemptions_cancelled", "reversed", "expired", "erased")
SIGN = {"issued_sales": 1, "issued_other": 1, "redeemed": -1, "redemptions_cancelled": 1, "reversed": -1}
SIGN |= {"expired": -1, "erased": -1}


def minor(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def ledger() -> tuple[int, Decimal, int]:
    """The ledger's truth, from the table: the lots' points valued at issue (portion by portion), and
    the members' available balances. Every lot day's total must be made of its portions."""
    items: list[dict[str, Any]] = []
    request: dict[str, Any] = {"TableName": table_name(), "ConsistentRead": True}
    while True:
        page = dynamodb().scan(**request)
        items += [from_item(raw) for raw in page["Items"]]
        if "LastEvaluatedKey" not in page:
            break
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    points, money, available = 0, Decimal(0), 0
    for item in items:
        if str(item["SK"]).startswith("PROFILE#LOT#"):
            days = {name[1:]: int(v) for name, v in item.items() if len(name) == 3 and name[0] == "d"}
            by_day: dict[str, int] = {}
            for name, value in item.items():
                if name[0] == "p" and name[1:3].isdigit():
                    by_day[name[1:3]] = by_day.get(name[1:3], 0) + int(value)
                    points += int(value)
                    money += int(value) * Decimal(name[4:])
            assert by_day == days, item
        elif item["SK"] == "PROFILE":
            available += int(item.get("available", 0))
    return points, money, available


def read_report(admin_api: Any, path: str, **request: Any) -> Any:
    """A report as an admin reads it, once the books have taken in the writes so far (the table's stream
    handed to its consumer, as Lambda does)."""
    settle_books()
    return admin_api.get(path, **request)


def month_end(month: str) -> str:
    year, number = int(month[:4]), int(month[5:])
    return f"{month}-{monthrange(year, number)[1]:02d}"


def reward(admin_api: Any) -> None:
    body = {"name": "Coffee", "kind": "voucher", "cost_points": 30, "stock": None}
    assert admin_api.put("/v1/admin/rewards/coffee", body).status in (200, 201)


def redeem(admin_api: Any, member_id: str, redemption_id: str) -> int:
    answer = admin_api.post(
        f"/v1/members/{member_id}/redemptions", {"redemption_id": redemption_id, "reward_id": "coffee"}
    )
    return answer.status


def adjust(admin_api: Any, member_id: str, adjustment_id: str, points: int, reason: str = "goodwill") -> int:
    body = {"adjustment_id": adjustment_id, "points": points, "reason": reason}
    return admin_api.post(f"/v1/admin/members/{member_id}/adjustments", body).status


def check_adds_up(report: dict[str, Any]) -> None:
    for unit in ("points", "money_minor"):
        moved = sum(SIGN[kind] * report[kind][unit] for kind in KINDS)
        assert report["opening"][unit] + moved == report["closing"][unit], (report["month"], unit)


def test_a_scripted_year_adds_up_every_month_and_the_liability_is_the_ledger_valued_at_issue(
    jobs: str, admin_api: Any
) -> None:
    configure(expiry_months=2, point_value_minor=1)
    for member_id in ("y-1", "y-2", "y-3"):
        enroll(member_id, when="2027-01-02 09:00")
    clock.set_clock(lambda: at("2027-01-02 09:30"))
    reward(admin_api)
    months = [f"2027-{number:02d}" for number in range(1, 13)]
    captured: dict[str, tuple[int, Decimal, int]] = {}
    for number, month in enumerate(months, start=1):
        if month == "2027-07":
            clock.set_clock(lambda: at("2027-07-01 08:00"))
            configure(expiry_months=2, point_value_minor="0.5")
        if month == "2027-10":
            clock.set_clock(lambda: at("2027-10-01 08:00"))
            configure(expiry_months=2, point_value_minor="1.25")
        earn("y-1", f"o1-{number}", 100 + number, f"{month}-05 12:00")
        earn("y-2", f"o2-{number}", 40 + 3 * number, f"{month}-06 12:00")
        earn("y-3", f"o3-{number}", 25, f"{month}-07 12:00")
        clock.set_clock(lambda m=month: at(f"{m}-10 12:00"))
        if number % 3 == 0:  # a refund of part of y-1's order
            body = {"refund_id": f"r1-{number}", "amount_minor": 2000}
            assert admin_api.post(f"/v1/orders/o1-{number}/refunds", body).status == 201
        clock.set_clock(lambda m=month: at(f"{m}-15 12:00"))
        assert redeem(admin_api, "y-1", f"x1-{number}") == 201
        assert redeem(admin_api, "y-2", f"x2-{number}") == 201
        run("expire", f"{month}-16 01:00")
        clock.set_clock(lambda m=month: at(f"{m}-20 12:00"))
        if number % 2 == 0:  # y-2 cancels the voucher of this month
            assert admin_api.post(f"/v1/redemptions/x2-{number}/cancel").status == 200
        clock.set_clock(lambda m=month: at(f"{m}-25 12:00"))
        assert adjust(admin_api, "y-2", f"a2-{number}", 15) == 201
        if number % 4 == 1:
            assert adjust(admin_api, "y-3", f"d3-{number}", -10, "damaged goods") == 201
        if month == "2027-12":
            left = int(profile("y-3")["available"])
            assert adjust(admin_api, "y-3", "erase-y-3", -left, "erasure") == 201
        clock.set_clock(lambda m=month: at(f"{month_end(m)} 23:00"))
        captured[month] = ledger()

    clock.set_clock(lambda: at("2028-01-03 10:00"))
    reports = {}
    for month in months:
        answer = read_report(admin_api, "/v1/admin/reports/rollforward", query=f"month={month}")
        assert answer.status == 200, answer.body
        reports[month] = answer.body
        check_adds_up(answer.body)
        assert answer.body["frozen"] is True
    assert reports["2027-01"]["opening"] == {"points": 0, "money_minor": 0}
    for before, after in itertools.pairwise(months):
        assert reports[before]["closing"] == reports[after]["opening"]
    # Every kind of movement happened, and a year's worth of each is booked.
    for kind in KINDS:
        assert sum(reports[m][kind]["points"] for m in months) > 0, kind
    assert sum(reports[m]["erased"]["points"] for m in months) == reports["2027-12"]["erased"]["points"]

    for month in months:
        points, money, available = captured[month]
        answer = read_report(admin_api, "/v1/admin/reports/liability", query=f"as_of={month_end(month)}")
        assert answer.status == 200, answer.body
        report = answer.body
        assert report["outstanding_points"] == points == available, month
        assert report["liability_minor"] == minor(money), month
        assert report["liability_minor"] == reports[month]["closing"]["money_minor"], month
        assert report["outstanding_points"] == reports[month]["closing"]["points"], month
        assert sum(row["points"] for row in report["by_expiry_month"]) == points
        assert report["pending_points"] == 0
    # Points issued at 1, then 0.5, then 1.25 keep their values: the money per point moved with them.
    assert captured["2027-06"][1] / captured["2027-06"][0] == 1
    assert captured["2027-09"][1] / captured["2027-09"][0] == Decimal("0.5")
    assert captured["2027-12"][1] / captured["2027-12"][0] == Decimal("1.25")


def test_value_at_issue_survives_a_change_of_the_point_value(jobs: str, admin_api: Any) -> None:
    """Hand-computed: 100 points issued at 1.00 and 100 at 0.50; a redemption of 150 takes the sooner
    expiring 100 first, then 50 of the later ones."""
    configure(expiry_months=12, point_value_minor=1)
    enroll("v-1", when="2027-03-01 09:00")
    earn("v-1", "v-o1", 100, "2027-03-02 10:00")
    clock.set_clock(lambda: at("2027-03-03 10:00"))
    configure(expiry_months=12, point_value_minor="0.5")
    earn("v-1", "v-o2", 100, "2027-03-04 10:00")
    clock.set_clock(lambda: at("2027-03-05 10:00"))
    admin_api.put("/v1/admin/rewards/big", {"name": "Big", "kind": "voucher", "cost_points": 150, "stock": None})
    assert redeem_big(admin_api) == 201

    answer = read_report(admin_api, "/v1/admin/reports/liability", query="as_of=2027-03-05")
    assert answer.body["outstanding_points"] == 50
    assert answer.body["liability_minor"] == 25  # 50 x 0.5
    assert answer.body["by_expiry_month"] == [{"month": "2028-03", "points": 50, "liability_minor": 25}]
    roll = read_report(admin_api, "/v1/admin/reports/rollforward", query="month=2027-03").body
    assert roll["issued_sales"] == {"points": 200, "money_minor": 150}
    assert roll["redeemed"] == {"points": 150, "money_minor": 125}
    assert roll["closing"] == {"points": 50, "money_minor": 25}
    assert roll["frozen"] is False

    # The value changes again: what was issued keeps its value.
    configure(expiry_months=12, point_value_minor=3)
    assert read_report(admin_api, "/v1/admin/reports/liability", query="as_of=2027-03-05").body["liability_minor"] == 25


def redeem_big(admin_api: Any) -> int:
    body = {"redemption_id": "v-x1", "reward_id": "big"}
    return admin_api.post("/v1/members/v-1/redemptions", body).status


def test_breakage_from_matured_cohorts_or_the_program_and_deferred_revenue(jobs: str, admin_api: Any) -> None:
    """A cohort of 100 points of which 30 are redeemed and 70 expire: breakage 0.7; the program may set
    its own rate. Deferred revenue = liability x (1 - breakage)."""
    configure(expiry_months=1, point_value_minor=2)
    enroll("b-1", when="2027-01-02 09:00")
    earn("b-1", "b-o1", 100, "2027-01-03 10:00")  # expires at the end of 2027-02-03
    clock.set_clock(lambda: at("2027-01-04 10:00"))
    reward(admin_api)
    assert redeem(admin_api, "b-1", "b-x1") == 201
    run("expire", "2027-02-04 01:00")
    earn("b-1", "b-o2", 200, "2027-03-01 10:00")

    report = read_report(admin_api, "/v1/admin/reports/liability", query="as_of=2027-03-01").body
    assert report["outstanding_points"] == 200
    assert report["liability_minor"] == 400
    assert report["breakage_method"] == "cohorts"
    assert report["expected_breakage_rate"] == 0.7
    assert report["breakage_inputs"]["cohorts"] == [{"month": "2027-02", "redeemed_points": 30, "expired_points": 70}]
    assert report["deferred_revenue_minor"] == 120  # 400 x 0.3

    configure(expiry_months=1, point_value_minor=2, accounting={"breakage_rate": "0.25"})
    report = read_report(admin_api, "/v1/admin/reports/liability", query="as_of=2027-03-01").body
    assert report["breakage_method"] == "program"
    assert report["expected_breakage_rate"] == 0.25
    assert report["deferred_revenue_minor"] == 300

    answer = read_report(
        admin_api, "/v1/admin/reports/liability", query="as_of=2027-03-01", headers={"Accept": "text/csv"}
    )
    assert answer.status == 200
    assert answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(answer.body)))
    assert rows[0] == ["month", "points", "liability_minor"]
    assert ["total", "200", "400"] in rows


def test_kpis_on_a_known_data_set(jobs: str, admin_api: Any) -> None:
    """January 2027. k-1 orders twice in the month ($50, $30); k-2 ordered in December and again in
    January ($40); k-3 never orders; k-4 enrolls and orders once ($20); k-5 ordered only in December.
    Active 3 (k-1, k-2, k-4), 4 orders, repeat buyers 2 (k-1 twice in range, k-2 before it)."""
    configure(point_value_minor=1)
    for member_id in ("k-1", "k-2", "k-3", "k-5"):
        enroll(member_id, when="2026-12-01 09:00")
    earn("k-2", "k-o0", 10, "2026-12-20 10:00")
    earn("k-5", "k-o5", 10, "2026-12-21 10:00")
    earn("k-1", "k-o1", 50, "2027-01-03 10:00")
    earn("k-1", "k-o2", 30, "2027-01-10 10:00")
    earn("k-2", "k-o3", 40, "2027-01-15 10:00")
    enroll("k-4", when="2027-01-20 09:00")
    earn("k-4", "k-o4", 20, "2027-01-21 10:00")
    clock.set_clock(lambda: at("2027-01-25 10:00"))
    reward(admin_api)
    assert redeem(admin_api, "k-1", "k-x1") == 201
    clock.set_clock(lambda: at("2027-02-02 10:00"))

    answer = read_report(admin_api, "/v1/admin/reports/kpis", query="from=2027-01-01&to=2027-01-31")
    assert answer.status == 200, answer.body
    assert answer.body == {
        "currency": "USD",
        "from": "2027-01-01",
        "to": "2027-01-31",
        "members_total": 5,
        "members_new": 1,
        "members_active": 3,
        "orders": 4,
        "revenue_minor": 14000,
        "average_order_value_minor": 3500,
        "purchase_frequency": 1.3333,
        "repeat_purchase_rate": 0.6667,
        "points_issued": 140,
        "points_redeemed": 30,
        "points_expired": 0,
        "redemption_rate": 0.2143,
        "members_by_tier": [
            {"tier": "Bronze", "members": 5},
            {"tier": "Silver", "members": 0},
            {"tier": "Gold", "members": 0},
        ],
    }
    # A range that starts after k-1's first January order: k-1 is a repeat buyer by its earlier order.
    later = read_report(admin_api, "/v1/admin/reports/kpis", query="from=2027-01-05&to=2027-01-31").body
    assert (later["members_active"], later["orders"], later["repeat_purchase_rate"]) == (3, 3, 0.6667)
    csv_answer = admin_api.get(
        "/v1/admin/reports/kpis", query="from=2027-01-01&to=2027-01-31", headers={"Accept": "text/csv"}
    )
    rows = list(csv.reader(io.StringIO(csv_answer.body)))
    assert ["members_active", "3"] in rows
    assert rows[rows.index(["tier", "members"]) :] == [
        ["tier", "members"],
        ["Bronze", "5"],
        ["Silver", "0"],
        ["Gold", "0"],
    ]


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("kpis", "from=2027-02-01&to=2027-01-01"),
        ("kpis", "from=2026-01-01&to=2027-01-31"),
        ("rollforward", "month=2027-13"),
        ("liability", "as_of=2027-02-30"),
    ],
)
def test_bad_report_parameters_are_422(jobs: str, admin_api: Any, path: str, query: str) -> None:
    answer = read_report(admin_api, f"/v1/admin/reports/{path}", query=query)
    assert answer.status == 422
    assert answer.body["code"] == "validation_error"


def test_pending_points_are_issued_when_they_mature(jobs: str, admin_api: Any) -> None:
    """With a return window, an order's points are pending (not in the liability) until the maturing
    job makes them available; they are issued then, at the point value of that day."""
    configure(pending_days=14, point_value_minor=1)
    enroll("p-1", when="2027-04-01 09:00")
    earn("p-1", "p-o1", 80, "2027-04-02 10:00")
    report = read_report(admin_api, "/v1/admin/reports/liability", query="as_of=2027-04-02").body
    assert (report["outstanding_points"], report["pending_points"], report["liability_minor"]) == (0, 80, 0)
    clock.set_clock(lambda: at("2027-04-10 10:00"))
    configure(pending_days=14, point_value_minor="0.5")
    run("mature", "2027-04-16 00:30")
    report = read_report(admin_api, "/v1/admin/reports/liability", query="as_of=2027-04-16").body
    assert (report["outstanding_points"], report["pending_points"], report["liability_minor"]) == (80, 0, 40)
    roll = read_report(admin_api, "/v1/admin/reports/rollforward", query="month=2027-04").body
    assert roll["issued_sales"] == {"points": 80, "money_minor": 40}
    check_adds_up(roll)


def test_reports_far_in_the_past_or_future_answer_at_once(jobs: str, admin_api: Any) -> None:
    enroll("f-1", when="2027-01-02 09:00")
    earn("f-1", "f-o1", 10, "2027-01-03 10:00")
    future = read_report(admin_api, "/v1/admin/reports/liability", query="as_of=9999-12-31").body
    assert future["outstanding_points"] == 10
    past = read_report(admin_api, "/v1/admin/reports/rollforward", query="month=1000-01").body
    assert past["opening"] == past["closing"] == {"points": 0, "money_minor": 0}
    assert read_report(admin_api, "/v1/admin/reports/kpis", query="from=9999-01-01&to=9999-12-31").status == 200
    ancient = read_report(admin_api, "/v1/admin/reports/liability", query="as_of=0001-01-01")
    assert ancient.body["outstanding_points"] == 0
    assert read_report(admin_api, "/v1/admin/reports/kpis", query="from=0001-01-01&to=0001-12-31").status == 200


def test_reports_read_the_same_whatever_the_number_of_members(jobs: str, admin_api: Any) -> None:
    """February: 4 members order on four days; March: 24 members order on the same four days. Each
    month's reports make the same Queries, and read at most 31 days x 16 shards + 1 frozen month."""
    from harness.counting import DynamoCalls

    for month, count in (("2027-02", 4), ("2027-03", 24)):
        for i in range(count):
            enroll(f"{month}-m{i}", when=f"{month}-01 09:00")
            earn(f"{month}-m{i}", f"{month}-o{i}", 10 + i, f"{month}-{1 + i % 4:02d} 12:00")
    clock.set_clock(lambda: at("2027-04-02 10:00"))
    seen = {}
    requests = [
        (month, path, query)
        for month in ("2027-02", "2027-03")
        for path, query in (
            ("rollforward", f"month={month}"),
            ("liability", f"as_of={month_end(month)}"),
            ("kpis", f"from={month}-01&to={month_end(month)}"),
        )
    ]
    for _, path, query in requests:  # the first reports freeze the closed months they need
        assert read_report(admin_api, f"/v1/admin/reports/{path}", query=query).status == 200
    for month, path, query in requests:
        with DynamoCalls() as calls:
            assert read_report(admin_api, f"/v1/admin/reports/{path}", query=query).status == 200
        # Queries (the program's GetItem depends on its cache's age, not on the members).
        seen[(month, path)] = calls.operations.count("Query")
        assert calls.items_returned <= 31 * 16 + 2, (month, path, calls.items_returned)
    for path in ("rollforward", "liability", "kpis"):
        assert seen[("2027-02", path)] == seen[("2027-03", path)], seen


def test_the_month_end_job_freezes_the_month_that_ended_and_later_corrections_move_the_next(
    jobs: str, admin_api: Any, template: Any
) -> None:
    """MonthCloseFunction, as its schedule runs it on 1 Dec 2027 at 00:15 New York: November's roll-forward
    is frozen; a rerun finds it frozen with the same figures; a correction made in December is a movement
    of December, never a rewrite of November."""
    from local import runtime
    from loyalty.store import accounting

    configure()
    enroll("c-1", when="2027-11-02 09:00")
    earn("c-1", "c-o1", 120, "2027-11-03 12:00")
    earn("c-1", "c-o2", 80, "2027-11-20 12:00")
    sample = json.loads((ROOT / "events" / "MonthCloseFunction" / "monthly.json").read_text(encoding="utf-8"))
    assert sample == {"scheduled_time": "2027-12-01T05:15:00Z"}  # 00:15 in New York
    clock.set_clock(lambda: at("2027-12-01 00:15"))
    assert accounting.closed("2027-11") is None  # nothing read November yet: the job is the first

    settle_books()  # the stream's consumer has taken in November's writes
    closed = runtime.invoke(template, "MonthCloseFunction", sample)
    assert closed == {"month": "2027-11", "closing_points": 200, "closing_money_minor": 200, "newly_frozen": True}
    frozen = accounting.closed("2027-11")
    assert frozen is not None and frozen.balance.points == 200
    assert runtime.invoke(template, "MonthCloseFunction", sample) == {**closed, "newly_frozen": False}

    clock.set_clock(lambda: at("2027-12-02 10:00"))
    assert adjust(admin_api, "c-1", "c-fix", -30, "correction of November") == 201
    november = read_report(admin_api, "/v1/admin/reports/rollforward", query="month=2027-11").body
    december = read_report(admin_api, "/v1/admin/reports/rollforward", query="month=2027-12").body
    assert (november["closing"]["points"], november["frozen"]) == (200, True)
    assert december["opening"] == november["closing"] and december["closing"]["points"] == 170
    check_adds_up(december)


def by_tier(bronze: int, silver: int, gold: int, **gone: int) -> list[dict[str, Any]]:
    rows = [("Bronze", bronze), ("Silver", silver), ("Gold", gold), *sorted(gone.items())]
    return [{"tier": tier, "members": members} for tier, members in rows]


def tiers_on(admin_api: Any, first: str, last: str) -> list[dict[str, Any]]:
    answer = read_report(admin_api, "/v1/admin/reports/kpis", query=f"from={first}&to={last}")
    assert answer.status == 200, answer.body
    return list(answer.body["members_by_tier"])


def test_members_by_tier_follow_enrollment_upgrades_a_review_a_refund_an_erasure_and_an_import(
    jobs: str, admin_api: Any
) -> None:
    """Hand-counted: four members enroll (Bronze) on 4 January; on the 5th t-1 reaches Silver (1,000
    points), on the 6th t-2 reaches Gold (5,000); a refund of part of t-2's order leaves it Gold (refunds
    never move a tier; the review does); the review of the 25th moves t-1 down (its grace of the
    20-day window is over and its points left it), while t-2's grace runs to the 26th; t-3 is erased on
    the 28th. January is frozen; in February an import brings a Gold and a Silver member and t-5
    enrolls. Each day's KPIs say so, the same before and after January is frozen."""
    from loyalty.models.imports import ImportRow
    from loyalty.services import adjustments, imports, members, privacy
    from loyalty.services import program as programs
    from loyalty.store import accounting
    from tests.auditing import audit_clean

    configure(tier_window_days=20, point_value_minor=1)
    for member_id in ("t-1", "t-2", "t-3", "t-4"):
        enroll(member_id, when="2027-01-04 09:00")
    expected = {"2027-01-04": by_tier(4, 0, 0)}
    assert tiers_on(admin_api, "2027-01-01", "2027-01-04") == expected["2027-01-04"]
    earn("t-1", "t-o1", 1000, "2027-01-05 12:00")
    expected["2027-01-05"] = by_tier(3, 1, 0)
    earn("t-2", "t-o2", 5000, "2027-01-06 12:00")
    expected["2027-01-06"] = by_tier(2, 1, 1)
    assert (members.get("t-1").tier.name, members.get("t-2").tier.name) == ("Silver", "Gold")
    clock.set_clock(lambda: at("2027-01-07 12:00"))
    assert admin_api.post("/v1/orders/t-o2/refunds", {"refund_id": "t-r2", "amount_minor": 50000}).status == 201
    assert members.get("t-2").tier.name == "Gold"
    expected["2027-01-07"] = by_tier(2, 1, 1)
    assert tiers_on(admin_api, "2027-01-06", "2027-01-07") == expected["2027-01-07"]
    run("tier_review", "2027-01-24 00:30")  # both found early (grace): nothing moves
    expected["2027-01-24"] = by_tier(2, 1, 1)
    counts = run("tier_review", "2027-01-25 00:30")
    assert (counts["tier_changes"], counts["failures"]) == (1, 0)
    assert (members.get("t-1").tier.name, members.get("t-2").tier.name) == ("Bronze", "Gold")
    expected["2027-01-25"] = by_tier(3, 0, 1)
    clock.set_clock(lambda: at("2027-01-28 12:00"))
    privacy.erase("t-3", adjustments.Actor(key_id="key_0123456789abcdef", label="privacy desk"))
    expected["2027-01-28"] = by_tier(2, 0, 1)
    assert tiers_on(admin_api, "2027-01-01", "2027-01-28") == expected["2027-01-28"]
    audit_clean()

    clock.set_clock(lambda: at("2027-02-02 12:00"))
    for line, (member_id, tier) in enumerate((("t-i1", "Gold"), ("t-i2", "Silver")), start=1):
        row = ImportRow.model_validate({"member_id": member_id, "email": f"{member_id}@example.com", "tier": tier})
        assert imports.import_row("tiers-1", line, row, programs.current())
    assert accounting.closed("2027-01") is None
    expected["2027-02-02"] = by_tier(2, 1, 2)
    enroll("t-5", when="2027-02-03 09:00")
    expected["2027-02-03"] = by_tier(3, 1, 2)
    assert tiers_on(admin_api, "2027-02-01", "2027-02-03") == expected["2027-02-03"]

    # The first report of February froze January, with its members by tier.
    clock.set_clock(lambda: at("2027-02-10 12:00"))
    frozen = accounting.closed("2027-01")
    assert frozen is not None and frozen.balance.tiers == {"Bronze": 2, "Gold": 1}
    for day, distribution in expected.items():
        assert tiers_on(admin_api, f"{day[:7]}-01", day) == distribution, day
        assert tiers_on(admin_api, day, day) == distribution, day
    assert tiers_on(admin_api, "2027-01-20", "2027-02-10") == expected["2027-02-03"]  # across the boundary
    audit_clean()

    # A tier taken out of the program still counts its members, listed after the program's tiers.
    document = programs.current().model_dump(mode="json")
    document["tiers"] = [tier for tier in document["tiers"] if tier["name"] != "Silver"]
    configure(tier_window_days=20, point_value_minor=1, tiers=document["tiers"])
    assert tiers_on(admin_api, "2027-02-01", "2027-02-10") == [
        {"tier": "Bronze", "members": 3},
        {"tier": "Gold", "members": 2},
        {"tier": "Silver", "members": 1},
    ]


def test_relative_ssp_defers_the_revenue_ifrs_15_allocates_to_the_points(jobs: str, admin_api: Any) -> None:
    """IFRS 15 Example 52's first year through the API (tests/unit/test_ifrs15_allocation.py has the
    whole example): a sale of 100,000 cents earns 1,000 points worth 10 cents each, 5% breakage. Face value
    defers 10,000 x 0.95 = 9,500; relative_ssp allocates 100,000 x 9,500 / 109,500 = 8,676 to the points.
    450 points redeemed: 8,676 x (5,500 x 0.95) / (4,500 + 5,500 x 0.95) = 4,661 stays deferred."""
    configure(point_value_minor=10, accounting={"breakage_rate": "0.05"})
    enroll("s-1", when="2027-01-02 09:00")
    earn("s-1", "s-o1", 1_000, "2027-01-03 10:00")
    report = read_report(admin_api, "/v1/admin/reports/liability", query="as_of=2027-01-03").body
    assert (report["liability_minor"], report["deferred_revenue_minor"]) == (10_000, 9_500)

    configure(point_value_minor=10, accounting={"breakage_rate": "0.05", "revenue_allocation": "relative_ssp"})
    report = read_report(admin_api, "/v1/admin/reports/liability", query="as_of=2027-01-03").body
    assert report["deferred_revenue_minor"] == 8_676

    clock.set_clock(lambda: at("2027-01-04 10:00"))
    body = {"name": "Big coffee", "kind": "voucher", "cost_points": 450, "stock": None}
    assert admin_api.put("/v1/admin/rewards/big-coffee", body).status in (200, 201)
    answer = admin_api.post("/v1/members/s-1/redemptions", {"redemption_id": "s-x1", "reward_id": "big-coffee"})
    assert answer.status == 201
    report = read_report(admin_api, "/v1/admin/reports/liability", query="as_of=2027-01-04").body
    assert report["liability_minor"] == 5_500
    assert report["deferred_revenue_minor"] == 4_661
