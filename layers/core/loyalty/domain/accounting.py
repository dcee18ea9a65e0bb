"""The accounts of the points: balances rolled forward day by day, the roll-forward in whole minor
units that always adds up, and the expected breakage from issue cohorts. Pure: the days come from
loyalty.store.accounting.

Cohorts: points are held by expiry month, and with a fixed ``expiry_months`` the points that expire in
month X are exactly those issued in month X - expiry_months, so the expiry month names the issue cohort.
A cohort is mature once its month has ended: all its points were redeemed, expired, reversed or erased.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal

from loyalty.domain.valuation import KINDS, SIGN

COHORTS_KEPT = 24  # matured cohorts a balance remembers for the breakage estimate
COHORTS_USED = 12  # the latest matured cohorts the estimate uses


def minor(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


@dataclass
class Balance:
    """What is outstanding at the end of a day: points and their issue value by expiry month, pending
    points, members enrolled, and each cohort's redeemed and expired points so far."""

    outstanding: dict[str, tuple[int, Decimal]] = field(default_factory=dict)
    pending: int = 0
    members_total: int = 0
    redeemed: dict[str, int] = field(default_factory=dict)
    expired: dict[str, int] = field(default_factory=dict)

    @property
    def points(self) -> int:
        return sum(points for points, _ in self.outstanding.values())

    @property
    def money(self) -> Decimal:
        return sum((money for _, money in self.outstanding.values()), Decimal(0))


@dataclass(frozen=True)
class Day:
    """One day's movements (summed over shards)."""

    kinds: Mapping[str, tuple[int, Decimal]]
    months: Mapping[str, tuple[int, Decimal]]
    counters: Mapping[str, Decimal]


def roll(balance: Balance, days: Iterable[Day], through_month: str | None = None) -> Balance:
    """The balance after ``days``; cohorts older than COHORTS_KEPT months before ``through_month`` are
    forgotten (the estimate never looks that far back)."""
    outstanding = dict(balance.outstanding)
    pending, members = balance.pending, balance.members_total
    redeemed, expired = dict(balance.redeemed), dict(balance.expired)
    for day in days:
        for month, (points, money) in day.months.items():
            held_points, held_money = outstanding.get(month, (0, Decimal(0)))
            outstanding[month] = (held_points + points, held_money + money)
        pending += int(day.counters.get("pending_p", 0))
        members += int(day.counters.get("members_new", 0))
        for name, count in day.counters.items():
            if name.startswith("r") and name.endswith("_c"):
                redeemed[name[1:8]] = redeemed.get(name[1:8], 0) + int(count)
            elif name.startswith("e") and name.endswith("_c"):
                expired[name[1:8]] = expired.get(name[1:8], 0) + int(count)
    outstanding = {month: held for month, held in outstanding.items() if held != (0, Decimal(0))}
    if through_month is not None:
        oldest = _months_back(through_month, COHORTS_KEPT)
        redeemed = {month: n for month, n in redeemed.items() if month >= oldest}
        expired = {month: n for month, n in expired.items() if month >= oldest}
    return Balance(outstanding, pending, members, redeemed, expired)


def _months_back(month: str, count: int) -> str:
    year, number = int(month[:4]), int(month[5:7])
    index = year * 12 + number - 1 - count
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def movements(days: Iterable[Day]) -> dict[str, tuple[int, Decimal]]:
    total = {kind: (0, Decimal(0)) for kind in KINDS}
    for day in days:
        for kind, (points, money) in day.kinds.items():
            held_points, held_money = total[kind]
            total[kind] = (held_points + points, held_money + money)
    return total


def allocate(opening: Decimal, moved: Mapping[str, Decimal], closing: Decimal) -> tuple[int, dict[str, int], int]:
    """Whole minor units for a roll-forward whose exact figures add up: the opening and closing are
    rounded (half to even, so the closing is the next month's opening), and the movements are rounded
    so that they bridge the two exactly (largest remainders get the units that rounding left over)."""
    first, last = minor(opening), minor(closing)
    signed = {kind: SIGN[kind] * value for kind, value in moved.items()}
    floors = {kind: int(value.to_integral_value(rounding="ROUND_FLOOR")) for kind, value in signed.items()}
    left = last - first - sum(floors.values())
    order = sorted(signed, key=lambda kind: (-(signed[kind] - floors[kind]), KINDS.index(kind)))
    rounded = dict(floors)
    step = 1 if left >= 0 else -1
    for i in range(abs(left)):
        kind = order[i % len(order)] if step > 0 else order[::-1][i % len(order)]
        rounded[kind] += step
    return first, {kind: SIGN[kind] * rounded[kind] for kind in moved}, last


@dataclass(frozen=True)
class Cohort:
    month: str  # the expiry month
    redeemed: int
    expired: int


@dataclass(frozen=True)
class Breakage:
    rate: Decimal
    method: str  # "program" | "cohorts" | "none"
    cohorts: tuple[Cohort, ...]


def breakage(balance: Balance, as_of_month: str, override: Decimal | None) -> Breakage:
    """The expected breakage: the program's rate when it sets one; else, over the latest COHORTS_USED
    matured cohorts (expiry month before ``as_of_month``), expired / (expired + redeemed) points."""
    months = sorted(
        (month for month in set(balance.redeemed) | set(balance.expired) if month < as_of_month), reverse=True
    )[:COHORTS_USED]
    cohorts = tuple(Cohort(month, balance.redeemed.get(month, 0), balance.expired.get(month, 0)) for month in months)
    if override is not None:
        return Breakage(override, "program", cohorts)
    settled = sum(cohort.redeemed + cohort.expired for cohort in cohorts)
    if settled == 0:
        return Breakage(Decimal(0), "none", cohorts)
    expired = sum(cohort.expired for cohort in cohorts)
    rate = (Decimal(expired) / Decimal(settled)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_EVEN)
    return Breakage(rate, "cohorts", cohorts)
