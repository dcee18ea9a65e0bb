"""Does the program pay? The experiments and retention reports, read from the impact aggregates
(loyalty.store.impact: one Query of their partition, bounded by the months the program has run, never by
its members) and, for the program's cost, from the books' day items of the period
(loyalty.store.accounting: 16 Queries). docs/experiments.md says what each figure means.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from loyalty.adapters import clock
from loyalty.domain import accounting as books
from loyalty.domain import calendar
from loyalty.domain.errors import InvalidInput
from loyalty.domain.experiments import METRICS, Sums, estimate, lift, small_group_warning
from loyalty.domain.impact import LAST_ID, cohort_id, group_id
from loyalty.models.experiments import ExperimentsReport, GroupFigures, RetentionReport
from loyalty.services import program as programs
from loyalty.store import accounting
from loyalty.store import impact as store

MAX_MONTHS = 36  # a report's range of whole months


def month_index(month: str) -> int:
    return int(month[:4]) * 12 + int(month[5:7]) - 1


def month_of(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def months(first: str, last: str) -> list[str]:
    if last < first:
        raise InvalidInput("to must not be before from", loc=["query", "to"])
    if month_index(last) - month_index(first) + 1 > MAX_MONTHS:
        raise InvalidInput(f"a report covers at most {MAX_MONTHS} months", loc=["query", "to"])
    return [month_of(index) for index in range(month_index(first), month_index(last) + 1)]


@dataclass(frozen=True)
class Group:
    """A group's buyers (``buyers``: n = customers with an order, per month), its population (``all``:
    n = the group's members in each month, those who bought nothing included) and its order points."""

    buyers: Sums
    all: Sums
    points: int


def _sums(counts: dict[str, int], n: int) -> Sums:
    return Sums(
        n,
        counts.get("r", 0),
        counts.get("o", 0),
        counts.get("qr", 0),
        counts.get("qo", 0),
        counts.get("qx", 0),
        counts.get("rp", 0),
    )


def _members_by_month(cohorts: dict[str, dict[str, int]], month: str) -> tuple[int, int]:
    """Treatment and holdout members enrolled by the end of ``month`` (erasures not taken out)."""
    total = sum(c.get("n", 0) for name, c in cohorts.items() if name.removeprefix("C/") <= month)
    holdout = sum(c.get("nh", 0) for name, c in cohorts.items() if name.removeprefix("C/") <= month)
    return total - holdout, holdout


def _groups(period: list[str]) -> dict[str, Group]:
    found = store.aggregates(group_id(period[0], ""), group_id(period[-1], "~"))
    cohorts = store.aggregates("C/", "C/~")
    groups: dict[str, Group] = {}
    for name in ("t", "h", "n"):
        buyers, everyone, points = Sums(), Sums(), 0
        for month in period:
            counts = found.get(group_id(month, name), {})
            bought = counts.get("c", 0)
            buyers += _sums(counts, bought)
            members = dict(zip("th", _members_by_month(cohorts, month), strict=True)).get(name, bought)
            everyone += _sums(counts, max(members, bought))
            points += counts.get("p", 0)
        groups[name] = Group(buyers, everyone, points)
    return groups


def _figures(sums: Sums) -> GroupFigures:
    return GroupFigures(
        customers=sums.n,
        orders=sums.o,
        revenue_minor=sums.r,
        average_order_value_minor=round(sums.r / sums.o) if sums.o else 0,
        purchase_frequency=sums.o / sums.n if sums.n else 0.0,
        repeat_purchase_rate=sums.rp / sums.n if sums.n else 0.0,
    )


def _program_cost(period: list[str]) -> int:
    """The issued value of the points issued in the period (sales and others: signup, events...)."""
    last = month_of(month_index(period[-1]) + 1)
    final_day = (date.fromisoformat(f"{last}-01") - timedelta(days=1)).isoformat()
    days = accounting.days(f"{period[0]}-01", final_day)
    moved = books.movements(books.Day(t.kinds, t.months, t.counters) for t in days.values())
    return books.minor(moved["issued_sales"][1] + moved["issued_other"][1])


def experiments(first: str, last: str) -> ExperimentsReport:
    period = months(first, last)
    program = programs.current()
    groups = _groups(period)
    treatment, holdout, others = groups["t"], groups["h"], groups["n"]
    members = treatment.buyers + holdout.buyers
    warnings: list[str] = []
    comparisons = []
    pairs = (
        ("members_vs_non_members", members, others.buyers, ("members", "non_members"), False),
        ("treatment_vs_holdout", treatment.all, holdout.all, ("treatment", "holdout"), True),
    )
    for name, a, b, labels, causal in pairs:
        for label, sums in zip(labels, (a, b), strict=True):
            if (warning := small_group_warning(name, label, sums.n)) is not None:
                warnings.append(warning)
        for metric in METRICS:
            found = lift(estimate(a, metric), estimate(b, metric))
            comparisons.append(
                {
                    "name": name,
                    "metric": metric,
                    "lift": found.lift,
                    "ci95_low": found.low,
                    "ci95_high": found.high,
                    "causal": causal,
                }
            )
    cost = _program_cost(period)
    margin = None
    if program.gross_margin_rate is None:
        warnings.append("the program has no gross_margin_rate: no incremental margin")
    elif treatment.all.n and holdout.all.n:
        per_customer = treatment.all.r / treatment.all.n - holdout.all.r / holdout.all.n
        # The treatment's share of the cost: its share of the points members' orders earned.
        member_points = treatment.points + holdout.points
        treatment_cost = cost * treatment.points / member_points if member_points else cost
        margin = round(per_customer * treatment.all.n * program.gross_margin_rate - treatment_cost)
    return ExperimentsReport.model_validate(
        {
            "currency": program.currency,
            "from": first,
            "to": last,
            "groups": {
                "members": _figures(members),
                "non_members": _figures(others.buyers),
                "treatment": _figures(treatment.buyers),
                "holdout": _figures(holdout.buyers),
            },
            "comparisons": comparisons,
            "program_cost_minor": cost,
            "incremental_margin_minor": margin,
            "warnings": warnings,
        }
    )


def retention(first: str, last: str) -> RetentionReport:
    period = months(first, last)
    program = programs.current()
    today = calendar.local_day(clock.now(), program.zone)
    current = today.isoformat()[:7]
    cohorts = store.aggregates("C/", "C/~")
    shown = []
    for cohort in period:
        if cohort > current:
            break
        counts = cohorts.get(cohort_id(cohort), {})
        size = counts.get("n", 0)
        active = [
            counts.get(f"a{month_of(index)}", 0) / size if size else 0.0
            for index in range(month_index(cohort), month_index(current) + 1)
        ]
        shown.append({"cohort": cohort, "members": size, "active": active})
    dormancy = program.emails.dormant_after_days
    # A member is churned when its last order (its enrollment, before any) is in a month wholly before
    # the dormancy window's start: counted by month, so a month's members are all in or all out.
    cutoff = (today - timedelta(days=dormancy)).isoformat()[:7]
    last_months = store.aggregates(LAST_ID, LAST_ID).get(LAST_ID, {})
    total = sum(count for count in last_months.values() if count > 0)
    churned = sum(count for name, count in last_months.items() if count > 0 and name[1:] < cutoff)
    return RetentionReport.model_validate(
        {
            "from": first,
            "to": last,
            "cohorts": shown,
            "churn_rate": churned / total if total else 0.0,
            "dormant_after_days": dormancy,
        }
    )
