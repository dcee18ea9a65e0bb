"""The accounts checks (docs/accounting.md): valuation, roll-forward, liability and tiers."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from decimal import Decimal

from audit.book import Book, member_subject
from audit.report import Problem
from loyalty.domain.accounting import tier_of
from loyalty.domain.valuation import SIGN
from loyalty.store import accounting, lots


def accounting_problems(book: Book) -> Iterator[Problem]:
    """Every lot day is made of its valued portions; every accounting day adds up (its movements equal
    its change of the outstanding balance: the roll-forward of any month adds up); and the books'
    outstanding points and value, by expiry month, are the lots' (so the liability report's
    outstanding points are the members' available points)."""
    held: dict[str, tuple[int, Decimal]] = defaultdict(lambda: (0, Decimal(0)))
    for member_id, member_lots in book.lots.items():
        for lot in member_lots:
            days = lots.days_of(lot)
            portions = lots.portions_of(lot)
            by_day: dict[str, int] = defaultdict(int)
            for portion, points in portions.items():
                by_day[portion.day] += points
                p, m = held[portion.month]
                held[portion.month] = (p + points, m + points * portion.value)
            if dict(by_day) != days:
                detail = f"lot {lot['SK']}: valued portions {dict(by_day)}, days {days}"
                yield Problem(member_subject(member_id), "valuation", detail)
    booked: dict[str, tuple[int, Decimal]] = defaultdict(lambda: (0, Decimal(0)))
    for item in book.accounting_days:
        totals = accounting.DayTotals(str(item["SK"]))
        totals.add_item(item)
        moved_p = sum(SIGN[kind] * points for kind, (points, _) in totals.kinds.items())
        moved_m = sum((SIGN[kind] * money for kind, (_, money) in totals.kinds.items()), Decimal(0))
        change_p = sum(points for points, _ in totals.months.values())
        change_m = sum((money for _, money in totals.months.values()), Decimal(0))
        if (moved_p, moved_m) != (change_p, change_m):
            detail = f"movements {moved_p} points, {moved_m} money; outstanding moved {change_p}, {change_m}"
            yield Problem("accounts", "rollforward", f"{item['PK']} {item['SK']}: {detail}")
        for month, (points, money) in totals.months.items():
            p, m = booked[month]
            booked[month] = (p + points, m + money)
    yield from _tier_problems(book)
    booked_now = {month: value for month, value in booked.items() if value != (0, Decimal(0))}
    held_now = {month: value for month, value in held.items() if value != (0, Decimal(0))}
    if booked_now != held_now:
        yield Problem("accounts", "liability", f"the books hold {booked_now}, the lots {held_now}")


def _tier_problems(book: Book) -> Iterator[Problem]:
    counted: Counter[str] = Counter()
    for item in book.accounting_days:
        for name, value in item.items():
            tier = tier_of(str(name))
            if tier is not None:
                counted[tier] += int(value)
    held = Counter(str(p.get("tier")) for p in book.profiles.values() if p.get("status", "active") == "active")
    booked = {tier: n for tier, n in counted.items() if n != 0}
    if booked != dict(held):
        yield Problem("accounts", "tiers", f"the books count members by tier {booked}, the table {dict(held)}")
