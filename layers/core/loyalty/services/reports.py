"""Accounting and program reports, read from the daily aggregates (loyalty.store.accounting), never from
members or their ledgers: each report reads a bounded number of items whatever the number of members.

A report needs the balance at the end of the month before its own (the opening). A closed month's
balance is frozen the first time it is needed once the books (kept from the table's stream:
loyalty.services.books) have taken in every write made before the month's end; until then it is rolled
forward from the last frozen one, so only the first report after an idle stretch reads more than its
own month.
"""

from __future__ import annotations

import csv
import io
from calendar import monthrange
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from loyalty.adapters import clock
from loyalty.domain import accounting as books
from loyalty.domain import calendar, kpis
from loyalty.domain.errors import InvalidInput
from loyalty.domain.valuation import KINDS
from loyalty.models.program import Program
from loyalty.models.reports import (
    BreakageInputs,
    Cohort,
    ExpiryMonth,
    Kpis,
    LiabilityReport,
    Line,
    RollForward,
)
from loyalty.services import books as stream_books
from loyalty.services import program as programs
from loyalty.store import accounting as store


def _day(totals: store.DayTotals) -> books.Day:
    return books.Day(totals.kinds, totals.months, totals.counters)


def _month_days(month: str) -> tuple[date, date]:
    first = date.fromisoformat(f"{month}-01")
    return first, first.replace(day=monthrange(first.year, first.month)[1])


def _shift(month: str, by: int) -> str:
    """The month ``by`` months away, as text (0000-12 and 10000-01 included: nothing is booked there)."""
    index = int(month[:4]) * 12 + int(month[5:7]) - 1 + by
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _previous(month: str) -> str:
    return _shift(month, -1)


def _next(month: str) -> str:
    return _shift(month, 1)


def _override() -> Decimal | None:
    """The program's breakage rate, when it sets one (else the books estimate it)."""
    accounting = programs.current().accounting
    return accounting.breakage_rate if accounting is not None else None


def _today(program: Program) -> date:
    return calendar.local_day(clock.now(), program.zone)


class _Settled:
    """Whether the books hold every write of a month (asked once per month and report: it reads the
    stream's shards); a month is settled when a later one is."""

    def __init__(self) -> None:
        self.known: dict[str, bool] = {}

    def __call__(self, month: str) -> bool:
        if any(done and later >= month for later, done in self.known.items()):
            return True
        if any(not done and earlier <= month for earlier, done in self.known.items()):
            return False
        self.known[month] = stream_books.settled(stream_books.month_end(month, programs.current().zone))
        return self.known[month]


def closing(month: str, today: date, frozen_now: list[str] | None = None) -> books.Balance:
    """The balance at the end of ``month``: frozen, or rolled forward from the last frozen month (and
    frozen on the way once a month has ended and the books hold every write made in it: no write books
    on a past day); ``frozen_now`` collects the months this call froze."""
    settled = _Settled()
    frozen_now = frozen_now if frozen_now is not None else []
    month = min(month, today.isoformat()[:7])  # nothing is booked ahead of today: the balance is today's
    frozen = store.closed(month)
    if frozen is not None:
        return frozen.balance
    base = store.last_closed_before(month)
    if base is not None and base.balance != books.Balance():
        balance, start = base.balance, _next(base.month)
    elif base is not None:  # an empty month frozen before anything was booked: start where bookings do
        first = store.first_day()
        if first is None or first[:7] > month:
            return books.Balance()
        balance, start = books.Balance(), max(_next(base.month), first[:7])
    else:
        first = store.first_day()
        if first is None or first[:7] > month:
            ended = month >= "0001-01" and _month_days(month)[1] < today
            if ended and settled(month):  # nothing booked then, nor ever will be
                store.freeze(store.MonthClose(month, books.Balance()))
                frozen_now.append(month)
            return books.Balance()
        balance, start = books.Balance(), first[:7]
    current = start
    while current <= month:
        first_day, last_day = _month_days(current)
        days = store.days(first_day.isoformat(), last_day.isoformat())
        balance = books.roll(balance, (_day(days[d]) for d in sorted(days)), current, _override())
        if last_day < today and settled(current):
            store.freeze(store.MonthClose(current, balance))
            frozen_now.append(current)
        current = _next(current)
    return balance


def _balance_on(as_of: date, today: date) -> books.Balance:
    month = as_of.isoformat()[:7]
    opening = closing(_previous(month), today)
    days = store.days(f"{month}-01", as_of.isoformat())
    return books.roll(opening, (_day(days[d]) for d in sorted(days)), month, _override())


def liability(as_of: date) -> LiabilityReport:
    program = programs.current()
    balance = _balance_on(as_of, _today(program))
    override = program.accounting.breakage_rate if program.accounting is not None else None
    estimate = books.breakage(balance, as_of.isoformat()[:7], override)
    liability_exact = balance.money
    relative = program.accounting is not None and program.accounting.revenue_allocation == "relative_ssp"
    deferred = books.deferred_by_ssp(balance, estimate.rate) if relative else liability_exact * (1 - estimate.rate)
    return LiabilityReport(
        currency=program.currency,
        as_of=as_of,
        outstanding_points=balance.points,
        pending_points=balance.pending,
        liability_minor=books.minor(liability_exact),
        expected_breakage_rate=float(estimate.rate),
        breakage_method=estimate.method,
        deferred_revenue_minor=books.minor(deferred),
        by_expiry_month=[
            ExpiryMonth(month=month, points=points, liability_minor=books.minor(money))
            for month, (points, money) in sorted(balance.outstanding.items())
        ],
        breakage_inputs=BreakageInputs(
            cohorts=[
                Cohort(month=c.month, redeemed_points=c.redeemed, expired_points=c.expired) for c in estimate.cohorts
            ],
            redeemed_points=sum(c.redeemed for c in estimate.cohorts),
            expired_points=sum(c.expired for c in estimate.cohorts),
        ),
    )


@dataclass(frozen=True)
class MonthClosed:
    """What the month-end job did: the month it closed, its closing balance, and whether this run
    froze it (False when a report or an earlier run already had)."""

    month: str
    points: int
    money_minor: int
    newly_frozen: bool


def close_month(moment: datetime) -> MonthClosed:
    """The month-end job: freeze the roll-forward of the month before ``moment``'s local day (and any
    ended month before it not frozen yet). Idempotent: a frozen month is never rewritten, so a later
    correction (every write books on the day it happens) shows as a movement of the month it is made in."""
    program = programs.current()
    today = calendar.local_day(moment, program.zone)
    month = _previous(today.isoformat()[:7])
    frozen = store.closed(month)
    if frozen is not None:  # a report or an earlier run froze it: one read, nothing written
        return MonthClosed(month, frozen.balance.points, books.minor(frozen.balance.money), False)
    froze: list[str] = []
    balance = closing(month, today, froze)
    # The books may not hold every write of the month yet (the stream lags, or is stuck): nothing is
    # frozen then, and the next daily run tries again.
    return MonthClosed(month, balance.points, books.minor(balance.money), month in froze)


def rollforward(month: str) -> RollForward:
    program = programs.current()
    today = _today(program)
    opening = closing(_previous(month), today)
    first_day, last_day = _month_days(month)
    days = store.days(first_day.isoformat(), last_day.isoformat())
    moved = books.movements(_day(days[d]) for d in sorted(days))
    closed = books.roll(opening, (_day(days[d]) for d in sorted(days)), month, _override())
    first, money, last = books.allocate(
        opening.money, {kind: value for kind, (_, value) in moved.items()}, closed.money
    )
    lines = {kind: Line(points=moved[kind][0], money_minor=money[kind]) for kind in KINDS}
    return RollForward(
        currency=program.currency,
        month=month,
        opening=Line(points=opening.points, money_minor=first),
        closing=Line(points=closed.points, money_minor=last),
        frozen=last_day < today,
        **lines,
    )


def kpi_report(first: date, last: date) -> Kpis:
    if last < first:
        raise InvalidInput("to must not be before from", loc=["query", "to"])
    if (last - first).days + 1 > kpis.MAX_RANGE_DAYS:
        raise InvalidInput(f"a KPI range covers at most {kpis.MAX_RANGE_DAYS} days", loc=["query", "to"])
    program = programs.current()
    today = _today(program)
    days = store.days(first.isoformat(), last.isoformat())
    opening = closing(_previous(first.isoformat()[:7]), today)
    members_before = opening.members_total
    month_start, _ = _month_days(first.isoformat()[:7])
    early: dict[str, store.DayTotals] = {}
    if month_start < first:
        early = store.days(month_start.isoformat(), (first - timedelta(days=1)).isoformat())
        members_before += sum(int(d.counters.get("members_new", 0)) for d in early.values())
    # Members by tier at the end of ``last``: the opening month's counts rolled over the days already read.
    in_tiers = books.roll(
        books.Balance(tiers=opening.tiers), (_day(t) for t in [*early.values(), *days.values()])
    ).tiers
    by_tier = books.members_by_tier(in_tiers, [tier.name for tier in program.tiers])
    members_new = sum(int(d.counters.get("members_new", 0)) for d in days.values())
    figures = kpis.order_figures(first, {date.fromisoformat(d): t.counters for d, t in days.items()})
    moved = books.movements(_day(t) for t in days.values())
    issued = moved["issued_sales"][0] + moved["issued_other"][0]
    redeemed = moved["redeemed"][0] - moved["redemptions_cancelled"][0]
    expired = moved["expired"][0]
    return Kpis.model_validate(
        {
            "currency": program.currency,
            "from": first,
            "to": last,
            "members_total": members_before + members_new,
            "members_new": members_new,
            "members_active": figures.members_active,
            "orders": figures.orders,
            "revenue_minor": books.minor(figures.revenue_minor),
            "average_order_value_minor": books.minor(figures.revenue_minor / figures.orders) if figures.orders else 0,
            "purchase_frequency": float(kpis.ratio(figures.orders, figures.members_active)),
            "repeat_purchase_rate": float(kpis.ratio(figures.repeat_members, figures.members_active)),
            "points_issued": issued,
            "points_redeemed": redeemed,
            "points_expired": expired,
            "redemption_rate": float(kpis.ratio(redeemed, issued)),
            "members_by_tier": [{"tier": tier, "members": count} for tier, count in by_tier],
        }
    )


# --- CSV ---------------------------------------------------------------------------------------------


def _csv(rows: Iterable[Iterable[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows(rows)
    return out.getvalue()


def liability_csv(report: LiabilityReport) -> str:
    rows: list[list[object]] = [["month", "points", "liability_minor"]]
    rows += [[m.month, m.points, m.liability_minor] for m in report.by_expiry_month]
    rows.append(["total", report.outstanding_points, report.liability_minor])
    rows.append([])
    rows.append(["figure", "value"])
    for name in (
        "currency",
        "as_of",
        "pending_points",
        "expected_breakage_rate",
        "breakage_method",
        "deferred_revenue_minor",
    ):
        rows.append([name, getattr(report, name)])
    return _csv(rows)


def rollforward_csv(report: RollForward) -> str:
    rows: list[list[object]] = [["line", "points", "money_minor"]]
    for name in ("opening", *KINDS, "closing"):
        line: Line = getattr(report, name)
        rows.append([name, line.points, line.money_minor])
    return _csv(rows)


def kpis_csv(report: Kpis) -> str:
    """The figures as ``kpi,value`` rows, then (after an empty row) the members by tier as ``tier,members``."""
    data = report.model_dump(mode="json", by_alias=True, exclude={"members_by_tier"})
    rows: list[list[object]] = [["kpi", "value"], *([name, value] for name, value in data.items())]
    rows.append([])
    rows.append(["tier", "members"])
    rows += [[row.tier, row.members] for row in report.members_by_tier]
    return _csv(rows)


def as_decimal(value: float) -> Decimal:
    return Decimal(str(value))
