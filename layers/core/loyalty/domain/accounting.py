"""The accounts of the points: balances rolled forward day by day, the roll-forward in whole minor
units that always adds up, and the expected breakage from issue cohorts. Pure: the days come from
loyalty.store.accounting.

Cohorts: points are held by expiry month, and with a fixed ``expiry_months`` the points that expire in
month X are exactly those issued in month X - expiry_months, so the expiry month names the issue cohort.
A cohort is mature once its month has ended: all its points were redeemed, expired, reversed or erased.

Members by tier: every write that enrolls a member, changes its tier or erases it books +1 on the tier
entered and -1 on the tier left (``tier_moves``), as counters named ``t#<tier>`` (the tier's name
percent-encoded: program-defined text then makes a plain, reversible attribute name that no other
counter's prefix can match).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from urllib.parse import quote, unquote

from loyalty.domain.valuation import KINDS, SIGN

COHORTS_KEPT = 24  # matured cohorts a balance remembers for the breakage estimate
COHORTS_USED = 12  # the latest matured cohorts the estimate uses
TIER_PREFIX = "t#"


def tier_counter(tier: str) -> str:
    """The counter of a tier's members (any name: ``safe=""`` leaves only letters, digits and ``_.-~``)."""
    return TIER_PREFIX + quote(tier, safe="")


def tier_of(counter: str) -> str | None:
    """The tier a counter counts, or None when it counts something else."""
    return unquote(counter[len(TIER_PREFIX) :]) if counter.startswith(TIER_PREFIX) else None


def tier_moves(left: str | None, entered: str | None) -> dict[str, int]:
    """The tier counters of one write: the member leaves the tier ``left`` (None: it was not counted, as
    before its enrollment) and enters ``entered`` (None: it is no longer counted, as once erased)."""
    if left == entered:
        return {}
    moves: dict[str, int] = {}
    if left is not None:
        moves[tier_counter(left)] = -1
    if entered is not None:
        moves[tier_counter(entered)] = 1
    return moves


def members_by_tier(counts: Mapping[str, int], tiers: Sequence[str]) -> list[tuple[str, int]]:
    """Every tier of the program in its order (0 members included), then any tier no longer in the
    program that still counts members (a renamed or removed tier whose members were not moved), by name."""
    listed = [(tier, counts.get(tier, 0)) for tier in tiers]
    known = set(tiers)
    return listed + sorted((tier, n) for tier, n in counts.items() if tier not in known and n != 0)


def minor(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


@dataclass
class Balance:
    """What is outstanding at the end of a day: points and their issue value by expiry month, pending
    points, members enrolled, each cohort's redeemed and expired points so far, and the members in each
    tier (erased members in none)."""

    outstanding: dict[str, tuple[int, Decimal]] = field(default_factory=dict)
    pending: int = 0
    members_total: int = 0
    redeemed: dict[str, int] = field(default_factory=dict)
    expired: dict[str, int] = field(default_factory=dict)
    tiers: dict[str, int] = field(default_factory=dict)
    # For IFRS 15's relative stand-alone selling prices (``deferred_by_ssp``), cumulative since the books
    # began: the revenue allocated to points when they were issued with sales, and the issue value of the
    # points redeemed (net of cancelled redemptions).
    allocated: Decimal = Decimal(0)
    redeemed_money: Decimal = Decimal(0)

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


def roll(
    balance: Balance, days: Iterable[Day], through_month: str | None = None, override: Decimal | None = None
) -> Balance:
    """The balance after ``days``; cohorts older than COHORTS_KEPT months before ``through_month`` are
    forgotten (the estimate never looks that far back). The revenue of the sales in ``days`` is allocated
    to their points at the breakage expected at the end of them (``override``: the program's rate), and
    stays so allocated (IFRS 15 fixes the allocation when the points are issued)."""
    outstanding = dict(balance.outstanding)
    pending, members = balance.pending, balance.members_total
    redeemed, expired = dict(balance.redeemed), dict(balance.expired)
    in_tiers = dict(balance.tiers)
    revenue, issued, redeemed_money = Decimal(0), Decimal(0), balance.redeemed_money
    for day in days:
        revenue += Decimal(day.counters.get("revenue_m", 0))
        issued += day.kinds.get("issued_sales", (0, Decimal(0)))[1]
        redeemed_money += day.kinds.get("redeemed", (0, Decimal(0)))[1]
        redeemed_money -= day.kinds.get("redemptions_cancelled", (0, Decimal(0)))[1]
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
            elif (tier := tier_of(name)) is not None:
                in_tiers[tier] = in_tiers.get(tier, 0) + int(count)
    outstanding = {month: held for month, held in outstanding.items() if held != (0, Decimal(0))}
    if through_month is not None:
        oldest = _months_back(through_month, COHORTS_KEPT)
        redeemed = {month: n for month, n in redeemed.items() if month >= oldest}
        expired = {month: n for month, n in expired.items() if month >= oldest}
    in_tiers = {tier: n for tier, n in in_tiers.items() if n != 0}
    rolled = Balance(outstanding, pending, members, redeemed, expired, in_tiers, balance.allocated, redeemed_money)
    if issued > 0:
        rate = breakage(rolled, through_month or "9999-12", override).rate
        rolled.allocated += allocated_to_points(revenue, issued * (1 - rate))
    return rolled


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


# --- IFRS 15: revenue allocated to points by relative stand-alone selling prices ----------------------


def allocated_to_points(sales: Decimal, points_ssp: Decimal) -> Decimal:
    """The part of ``sales`` allocated to the points they earned (IFRS 15.74, 76-80, B42): by relative
    stand-alone selling prices, the goods' being the sales and the points' their value weighted by the
    likelihood of redemption. Exact (decimals): reports round once."""
    if points_ssp <= 0 or sales <= 0:
        return Decimal(0)
    return sales * points_ssp / (sales + points_ssp)


def recognised(allocated: Decimal, redeemed: Decimal, expected_total: Decimal) -> Decimal:
    """Revenue recognised so far of ``allocated``: in proportion to the points redeemed of those expected
    to be redeemed in all (IFRS 15.B46; a revised expectation is a cumulative catch-up)."""
    if expected_total <= 0:
        return allocated
    return allocated * min(redeemed / expected_total, Decimal(1))


def deferred_by_ssp(balance: Balance, rate: Decimal) -> Decimal:
    """The revenue still deferred for the points: what was allocated to them less what their redemptions
    recognised, the points still expected to be redeemed being the outstanding ones but the share
    ``rate`` expects never to be (expired points were never redeemed: their revenue is recognised)."""
    remaining = balance.money * (1 - rate)
    return balance.allocated - recognised(balance.allocated, balance.redeemed_money, balance.redeemed_money + remaining)
