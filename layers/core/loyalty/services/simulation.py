"""The what-if simulator's replay: orders credited under a program, in memory, by the accrual's own rules.

Pure (no DynamoDB, no clock): ``make simulate`` and ``POST /v1/admin/simulations`` both run it. Each order
goes through what ``loyalty.services.accrual.plan`` decides for it, in the order the orders were placed:
``earning.earn`` (base rate, exclusions, product multipliers, campaigns with their conditions and member
limits, the tier multiplier), then the tier the member reaches (``tiers.earn`` / ``qualifying_points`` /
``tier_for``, never lower than before), the order's expiry day (``calendar.expires_on``) and the day
pending points mature (``calendar.available_at``). Each order is taken as if sent when it was placed: the
accrual's "today" is the order's own local day.

Not replayed (docs/simulator.md): campaign budgets shared between members (a bonus takes what is left of
one sequential budget, where the platform splits it in shares), refunds, adjustments, referrals, event
rules, signup points, redemptions, tier reviews (downgrades) and program changes during the history.

Fast on purpose (a million orders in under a minute, bench/simulation.py): the program's rules are built
once (``Rules``), days and months are cached by local date, and nothing of pydantic runs per order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from loyalty.domain import calendar, earning, tiers
from loyalty.domain.accounting import minor
from loyalty.models.common import MAX_SAFE_INTEGER
from loyalty.models.program import Program
from loyalty.services import program as programs
from loyalty.services.program import earning_rules

MEMORY = 200_000  # orders' earnings remembered at most (then forgotten at once: bounded memory)
TOP = 10  # the members who gain (and lose) most, listed


@dataclass(frozen=True, slots=True)
class SimOrder:
    """An order as the replay needs it (built once per file, shared by both programs)."""

    order_id: str
    member_id: str
    placed_at: datetime
    lines: tuple[earning.OrderLine, ...]
    discount_minor: int = 0

    @property
    def revenue_minor(self) -> Fraction:
        """What the customer paid for the lines, after every discount (as the accrual's net total)."""
        gross = sum(line.after_line_discount for line in self.lines)
        return Fraction(max(gross - min(self.discount_minor, gross), 0))


class _Member:
    __slots__ = ("campaign_uses", "points", "qualifying", "tier")

    def __init__(self, tier: tiers.TierLevel, size: int) -> None:
        self.tier = tier
        self.qualifying = tiers.Qualifying(size)
        self.campaign_uses: dict[str, int] = {}
        self.points = 0


@dataclass
class Outcome:
    """One program's replay: what it credited, per member and in all."""

    points_issued: int = 0
    refused: int = 0  # orders the platform would refuse (beyond max_points_per_order)
    by_member: dict[str, int] = field(default_factory=dict)
    tiers: dict[str, str] = field(default_factory=dict)
    flows: dict[str, int] = field(default_factory=dict)  # points entering (+) or leaving (-) per month


class Rules:
    """A program's rules, built once for the whole replay."""

    def __init__(self, program: Program) -> None:
        self.program = program
        self.earning = earning_rules(program)
        self.levels = programs.tier_levels(program)
        self.zone = program.zone
        self.window = program.tier_window_days
        self.size = tiers.bucket_days(self.window)
        self.limit = min(program.max_points_per_order or MAX_SAFE_INTEGER, MAX_SAFE_INTEGER)
        self.limited = {c.campaign_id for c in program.campaigns if c.per_member_limit is not None}
        self.budgets = {c.campaign_id: c.budget_points for c in program.campaigns if c.budget_points is not None}
        self._days: dict[date, tuple[str, str]] = {}
        self._switch = program.month_expiry_from
        self.campaigns = tuple(self.earning.campaigns)
        self._earned: dict[tuple[object, ...], earning.OrderEarning] = {}

    def earn(
        self, order: SimOrder, basket: int, tier: tiers.TierLevel, uses: dict[str, int], budget_left: dict[str, int]
    ) -> earning.OrderEarning:
        """``earning.earn`` for this order, remembered: what it decides depends on the lines, the discount,
        the tier, the campaigns running when the order was placed and, of those, the ones the member's
        limit stops, and nothing else but budgets (orders of a budgeted campaign are never remembered).
        Shops sell the same baskets again and again, so most orders are answered from memory."""
        moment = order.placed_at
        running = tuple(c for c in self.campaigns if c.starts_at <= moment < c.ends_at)
        key: tuple[object, ...] | None = None
        if not any(c.budget_points is not None for c in running):
            stopped = tuple(
                c.campaign_id
                for c in running
                if c.per_member_limit is not None and uses.get(c.campaign_id, 0) >= c.per_member_limit
            )
            key = (basket, tier.name, tuple(c.campaign_id for c in running), stopped)
            found = self._earned.get(key)
            if found is not None:
                return found
        earned = earning.earn(
            order.lines,
            order.discount_minor,
            self.earning,
            earning.Context(moment, tier.name, tier.multiplier, uses, budget_left),
        )
        if key is not None:
            if len(self._earned) >= MEMORY:
                self._earned.clear()
            self._earned[key] = earned
        return earned

    def days(self, placed_at: datetime) -> tuple[date, str, str]:
        """The order's local day, the month its points become available and the month they expire in
        ('' never): by local day, remembered (but for the day the program took month expiry on, when
        the instant decides)."""
        day = placed_at.astimezone(self.zone).date()
        found = self._days.get(day)
        if found is not None:
            return day, found[0], found[1]
        program = self.program
        available = calendar.local_day(calendar.available_at(placed_at, self.zone, program.pending_days), self.zone)
        expires = calendar.expires_on(placed_at, self.zone, program.expiry_months, self._switch)
        months = (available.isoformat()[:7], "" if expires == calendar.NEVER else expires.isoformat()[:7])
        if self._switch is None or calendar.local_day(self._switch, self.zone) != day:
            self._days[day] = months
        return day, months[0], months[1]


def baskets(orders: Sequence[SimOrder]) -> list[int]:
    """Each order's basket (its lines and discount) as a number: equal baskets, equal numbers. Computed
    once for both programs, so the replay's memory of earnings never hashes lines again."""
    seen: dict[tuple[tuple[earning.OrderLine, ...], int], int] = {}
    return [seen.setdefault((order.lines, order.discount_minor), len(seen)) for order in orders]


def replay(program: Program, orders: Sequence[SimOrder], numbers: Sequence[int] | None = None) -> Outcome:
    """Credit ``orders`` (sorted by placed_at) under ``program`` as the accrual would; ``numbers``: their
    baskets (``baskets``), when already known."""
    rules = Rules(program)
    outcome = Outcome()
    members: dict[str, _Member] = {}
    budget_left = dict(rules.budgets)
    lowest = rules.levels[0]
    for order, basket in zip(orders, numbers if numbers is not None else baskets(orders), strict=True):
        member = members.get(order.member_id)
        if member is None:
            member = members[order.member_id] = _Member(lowest, rules.size)
        tier = member.tier
        earned = rules.earn(order, basket, tier, member.campaign_uses, budget_left)
        points = earned.points
        if points > rules.limit or member.points + points > MAX_SAFE_INTEGER:
            outcome.refused += 1
            continue
        for bonus in earned.bonuses:
            if bonus.campaign_id in budget_left:
                budget_left[bonus.campaign_id] -= bonus.points
        day, available, expires = rules.days(order.placed_at)
        member.qualifying = tiers.earn(member.qualifying, day, points, day, rules.window)
        if len(rules.levels) > 1:
            supported = tiers.tier_for(tiers.qualifying_points(member.qualifying, day, rules.window), rules.levels)
            if supported.threshold > tier.threshold:
                member.tier = supported
        if rules.limited and earned.benefited:
            for campaign_id in earned.benefited & rules.limited:
                member.campaign_uses[campaign_id] = member.campaign_uses.get(campaign_id, 0) + 1
        member.points += points
        if points:
            outcome.points_issued += points
            outcome.flows[available] = outcome.flows.get(available, 0) + points
            if expires:
                outcome.flows[expires] = outcome.flows.get(expires, 0) - points
    outcome.by_member = {member_id: m.points for member_id, m in members.items()}
    outcome.tiers = {member_id: m.tier.name for member_id, m in members.items()}
    return outcome


def _months(first: str, last: str) -> list[str]:
    index, end = int(first[:4]) * 12 + int(first[5:7]) - 1, int(last[:4]) * 12 + int(last[5:7]) - 1
    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(index, end + 1)]


def figures(program: Program, outcome: Outcome, months: Sequence[str], revenue: Fraction) -> dict[str, Any]:
    """One program's column: points, their value, the liability at each month's end (points available
    and not yet expired, at the program's point value; no redemption is replayed), members by tier and
    the cost as a share of revenue."""
    value = Decimal(program.point_value_minor)
    held, by_month = 0, {}
    flows = outcome.flows
    for month in sorted(set(flows) | set(months)):
        held += flows.get(month, 0)
        if month in months:
            by_month[month] = minor(Decimal(held) * value)
    counts = {tier.name: 0 for tier in program.tiers}
    for name in outcome.tiers.values():
        counts[name] = counts.get(name, 0) + 1
    value_minor = minor(Decimal(outcome.points_issued) * value)
    return {
        "points_issued": outcome.points_issued,
        "value_minor": value_minor,
        "liability_minor_by_month": by_month,
        "members_by_tier": counts,
        "cost_rate": round(float(value_minor / revenue), 6) if revenue else 0.0,
        "orders_refused": outcome.refused,
    }


def compare(current: Program, proposed: Program, orders: Sequence[SimOrder], top: int = TOP) -> dict[str, Any]:
    """The simulator's answer: both programs over the same orders, and their difference."""
    ordered = sorted(orders, key=lambda o: o.placed_at)  # stable: orders placed at once keep the file's order
    numbers = baskets(ordered)
    before, after = replay(current, ordered, numbers), replay(proposed, ordered, numbers)
    revenue = sum((o.revenue_minor for o in ordered), Fraction(0))
    zone = current.zone
    span = [calendar.local_day(o.placed_at, zone).isoformat()[:7] for o in (ordered[:1] + ordered[-1:])]
    months = _months(span[0], span[-1]) if span else []
    left, right = figures(current, before, months, revenue), figures(proposed, after, months, revenue)
    gains = sorted(
        ((m, after.by_member.get(m, 0) - before.by_member.get(m, 0)) for m in before.by_member), key=lambda x: x[1]
    )

    def listed(pairs: Iterable[tuple[str, int]]) -> list[dict[str, Any]]:
        return [
            {"member_id": m, "current": before.by_member[m], "proposed": after.by_member.get(m, 0), "difference": d}
            for m, d in pairs
        ]

    tiers_named = list(dict.fromkeys([*left["members_by_tier"], *right["members_by_tier"]]))
    return {
        "orders": len(ordered),
        "members": len(before.by_member),
        "revenue_minor": minor(Decimal(revenue.numerator) / Decimal(revenue.denominator)),
        "currency": current.currency,
        "current": left,
        "proposed": right,
        "difference": {
            "points_issued": right["points_issued"] - left["points_issued"],
            "value_minor": right["value_minor"] - left["value_minor"],
            "liability_minor_by_month": {
                m: right["liability_minor_by_month"][m] - left["liability_minor_by_month"][m] for m in months
            },
            "members_by_tier": {
                t: right["members_by_tier"].get(t, 0) - left["members_by_tier"].get(t, 0) for t in tiers_named
            },
            "cost_rate": round(right["cost_rate"] - left["cost_rate"], 6),
            "top_gainers": listed(reversed([g for g in gains if g[1] > 0][-top:])),
            "top_losers": listed([g for g in gains if g[1] < 0][:top]),
        },
    }
