"""The member checks: ledger, pending, lots, expiry, lifetime, signs, once, orders, emails, erasure (and
the merge and redemption checks of each member, in their own modules). See the package docstring."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from audit import chain, merges, redemptions
from audit.book import EARNING_KINDS, KNOWN_KINDS, Book, int_of, lot_days, lots_attribute, member_subject
from audit.report import Problem
from loyalty.domain import calendar
from loyalty.store import keys
from loyalty.store.client import Item


def member_problems(book: Book) -> Iterator[Problem]:
    member_ids = set(book.profiles) | set(book.lots) | set(book.entries) | set(book.counters)
    for member_id in sorted(member_ids):
        subject = member_subject(member_id)
        for check, detail in _member(book, member_id):
            yield Problem(subject, check, detail)


def _member(book: Book, member_id: str) -> Iterator[tuple[str, str]]:
    profile = book.profiles.get(member_id)
    entries = book.entries.get(member_id, [])
    lots = book.lots.get(member_id, [])
    if profile is None:
        what = [f"{len(lots)} lot(s)"] * bool(lots) + [f"{len(entries)} ledger entr(ies)"] * bool(entries)
        yield "orphan", f"no member profile, yet {' and '.join(what) or 'counters'} name this member"
        return
    available, pending, debt = int_of(profile, "available"), int_of(profile, "pending"), int_of(profile, "debt")
    for name, value in (("available", available), ("pending", pending), ("debt", debt)):
        if value < 0:
            yield "signs", f"{name} is {value}"
    for lot in lots:
        days = {name: int(value) for name, value in lot.items() if lots_attribute(name)}
        if not days:
            yield "lots", f"lot {lot.get('SK')} is empty (an emptied month must be deleted)"
        for name, value in days.items():
            if value <= 0:
                yield "lots", f"lot {lot.get('SK')} holds {value} points on {name}"
    for counter in book.counters.get(member_id, []):
        if int_of(counter, "count") < 0:
            yield "stock", f"redemption counter {counter.get('SK')} is {int_of(counter, 'count')}"
    for entry in entries:
        if int_of(entry, "balance_after") < 0:
            yield "signs", f"entry {entry.get('entry_id')} has balance_after {int_of(entry, 'balance_after')}"
    apart = {"erased": _erased, "merged": merges.merged_problems}.get(str(profile.get("status")))
    if apart is not None:
        yield from apart(book, member_id, profile, entries, lots)
        return
    yield from _balances(book, member_id, profile, entries, lots)
    yield from _uniqueness(book, entries)
    yield from _orders(book, member_id, entries)
    yield from redemptions.member_redemption_problems(book, member_id, entries)
    yield from chain.chain_problems(book, profile, entries)
    yield from _email(book, member_id, profile)


def _balances(
    book: Book, member_id: str, profile: Item, entries: list[Item], lots: list[Item]
) -> Iterator[tuple[str, str]]:
    available, pending, debt = int_of(profile, "available"), int_of(profile, "pending"), int_of(profile, "debt")
    ledger = sum(int_of(entry, "entry_points") for entry in entries)
    if available + pending - debt != ledger:
        yield (
            "ledger",
            f"available {available} + pending {pending} - debt {debt} = {available + pending - debt}, "
            f"but the {len(entries)} ledger entries add up to {ledger}",
        )
    held = lot_days(lots)
    if sum(held.values()) != available:
        yield "lots", f"the lots hold {sum(held.values())} points, the member {available} available"
    yield from _expiry(book, member_id, profile, held)
    orders = entries + [e for mid in book.merged_into_member(member_id) for e in book.entries.get(mid, [])]
    orders_pending = sum(
        int_of(entry, "pending_left")
        for entry in orders
        if entry.get("kind") == "earn" and entry.get("status") == "pending"
    )
    if orders_pending != pending:
        yield "pending", f"pending is {pending}, but the member's pending orders have {orders_pending} left"
    if {str(entry.get("kind")) for entry in entries} <= KNOWN_KINDS:
        earned = sum(int_of(entry, "entry_points") for entry in entries if entry.get("kind") in EARNING_KINDS)
        earned += sum(int_of(entry, "moved_lifetime") for entry in entries if entry.get("kind") == "merge")
        if int_of(profile, "lifetime_earned") != earned:
            yield (
                "lifetime",
                f"lifetime_earned is {int_of(profile, 'lifetime_earned')}, earnings less refunds are {earned}",
            )


def _expiry(book: Book, member_id: str, profile: Item, held: dict[str, int]) -> Iterator[tuple[str, str]]:
    never = calendar.NEVER.isoformat()
    expiring = sorted(day for day, points in held.items() if points > 0 and day != never)
    day = profile.get("GSI5SK")
    if expiring and (day is None or str(day) > expiring[0]):
        yield "expiry", f"expiry day {day or 'missing'}, but points expire on {expiring[0]}"
    if day is not None and profile.get("GSI5PK") != keys.due("EXPIRY", member_id, str(day))["GSI5PK"]:
        yield "expiry", f"expiry index partition {profile.get('GSI5PK')} is not the member's shard"


def _uniqueness(book: Book, entries: list[Item]) -> Iterator[tuple[str, str]]:
    earns = Counter(str(entry.get("order_id")) for entry in entries if entry.get("kind") == "earn")
    for order_id, count in sorted(earns.items()):
        if count > 1:
            yield "once", f"order {order_id} has {count} earn entries: it was credited {count} times"
    ids = Counter(str(entry.get("entry_id")) for entry in entries)
    for entry_id, count in sorted(ids.items()):
        if count > 1:
            yield "once", f"entry id {entry_id} appears {count} times"
    for entry in entries:
        expected = f"{entry.get('occurred_at')}#{entry.get('entry_id')}"
        if entry.get("GSI1SK") != expected:
            yield "once", f"entry {entry.get('entry_id')} is filed under {entry.get('GSI1SK')!r}"


def _orders(book: Book, member_id: str, entries: list[Item]) -> Iterator[tuple[str, str]]:
    reversed_by_order = book.reversed_by_order
    for entry in entries:
        kind = entry.get("kind")
        if kind == "earn":
            order_id = str(entry.get("order_id"))
            stored = book.orders.get(order_id)
            if stored is not entry:
                yield "once", f"earn entry {entry.get('entry_id')} is not the item of order {order_id}"
                continue
            points, credited, left = int_of(entry, "points"), int_of(entry, "credited"), int_of(entry, "pending_left")
            if int_of(entry, "entry_points") != points:
                yield "orders", f"order {order_id}'s entry says {int_of(entry, 'entry_points')}, it earned {points}"
            if not 0 <= credited <= points:
                yield "orders", f"order {order_id} credited {credited} of its {points} points"
            if not 0 <= left <= credited:
                yield "orders", f"order {order_id} has {left} pending points left of {credited} credited"
            reversed_ = int_of(entry, "reversed")
            if reversed_ != reversed_by_order.get(order_id, 0) or reversed_ > points:
                yield (
                    "orders",
                    f"order {order_id} says {reversed_} points reversed, its refunds "
                    f"{reversed_by_order.get(order_id, 0)}, of {points} earned",
                )
        elif kind == "refund":
            order = book.orders.get(str(entry.get("order_id")))
            if order is None or not book.owns_order_of(order.get("member_id"), member_id):
                yield (
                    "orders",
                    f"refund {entry.get('refund_id')} names order {entry.get('order_id')} of no such member",
                )
            if int_of(entry, "points_reversed") < 0 or int_of(entry, "to_debt") < 0:
                yield "orders", f"refund {entry.get('refund_id')} reverses a negative number of points"
            if int_of(entry, "entry_points") != -int_of(entry, "points_reversed"):
                yield "orders", f"refund {entry.get('refund_id')}'s entry does not match what it reversed"


def _erased(
    book: Book, member_id: str, profile: Item, entries: list[Item], lots: list[Item]
) -> Iterator[tuple[str, str]]:
    for name in ("email", "name", "locale"):
        if profile.get(name) is not None:
            yield "erasure", f"the erased member still holds its {name}"
    if any(guard.get("member_id") == member_id for guard in book.emails.values()):
        yield "erasure", "an email guard still names the erased member"
    if int_of(profile, "available") or int_of(profile, "pending") or lots:
        yield (
            "erasure",
            f"the erased member holds {int_of(profile, 'available')} available, {int_of(profile, 'pending')} "
            f"pending and {len(lots)} lot(s)",
        )
    ledger = sum(int_of(entry, "entry_points") for entry in entries)
    held = int_of(profile, "available") + int_of(profile, "pending") - int_of(profile, "debt")
    if held != ledger:
        yield "ledger", f"available + pending - debt = {held}, but the {len(entries)} entries add up to {ledger}"


def _email(book: Book, member_id: str, profile: Item) -> Iterator[tuple[str, str]]:
    guard = book.emails.get(str(profile.get("email")))
    if guard is None:
        yield "emails", "the member's email has no uniqueness guard"
    elif guard.get("member_id") != member_id:
        yield "emails", f"the member's email guard names member {guard.get('member_id')}"
