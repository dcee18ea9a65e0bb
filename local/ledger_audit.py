"""Audit: check every member's balances against its ledger, its lots and its orders, from one Scan.

What must hold, derived from the code that writes each item (accrual, refunds, redemptions,
adjustments). "Entries" are the items in a member's activity (GSI1PK ``ACTIVITY#<member>``); each
carries ``kind``, ``entry_points`` (signed) and ``balance_after``.

ledger   available + pending - debt = the sum of the member's entry_points. An earn entry carries the
         order's full points: the credited part went to available (or to pending while the order
         matures), the rest paid debt. A refund entry carries minus its reversed points: they came
         from the order's pending points first, then from available lots, and what was missing became
         debt. Redemptions, their cancellations, adjustments, expiries and imports move available only
         (an import entry carries the points of every lot a bulk import brought the member).
pending  pending = the sum of ``pending_left`` over the member's orders that are still pending.
lots     the lots' points add up to available (pending points live on their orders); no lot day holds a
         negative number and no lot item is empty (an emptied month is deleted).
expiry   a member holding points that expire has an expiry day (GSI5) no later than the soonest of them:
         a lower bound, so the expiry run never comes late.
signs    available, pending, debt and every balance_after are >= 0.
once     one earn entry per order id and one entry per entry id: nothing was credited twice.
orders   0 <= credited <= points, 0 <= pending_left <= credited, reversed = the sum of the order's
         refunds <= points.
redeem   the points taken from lots add up to the points spent; a cancelled redemption has exactly
         one cancellation entry giving them back; the redemption is filed under its own code.
stock    no reward's stock_remaining and no per-member redemption counter is below zero.
referrals a code's completed count is the number of its credited referees; every referral entry and
         milestone bonus rewards a completed referral of that member (entry ids make each one once).
chain    balance_after follows from one entry to the next wherever the change each entry made to
         available is known: for members none of whose orders was ever pending (maturing points move
         available without an entry of their own). Entries are ordered by ``occurred_at``; entries of
         the same millisecond may have committed in any order, and any consistent order is accepted.
emails   an active member's email guard exists and names that member.
tiers    the accounts' members per tier (every day's ``t#<tier>`` counters summed) are the active
         members' tiers in the table: each write that enrolled, moved or erased a member booked it.
erasure  an erased member holds no email, name or locale, no email guard names it, it holds no points
         (available, pending, lots) and its ledger still adds up: available + pending - debt = the sum
         of its entries, the forfeit included.
merge    a provisional member taken over (status ``merged``) holds no email, no points and no lots, no
         email guard names it, it names an existing member in ``merged_into``, and its ledger adds up with
         its one ``merge`` entry (minus what it held); the member it went to has the matching ``merge``
         entry (plus), the merged member's pending orders count as its own (they mature into it) and so
         do their refunds. A merge entry records what it moved of each balance (``moved_*``), which the
         lifetime and chain checks read.

Erased members are checked for signs and erasure only, merged members for signs and merge only (and
ledger). The audit reads the whole table into memory (the one Scan in the code base): it is an
operator's tool for tests and the local stack (``make audit``), never a request path or a job,
which is why it lives outside the Lambda layer.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from local.audit_merges import merged_problems
from loyalty.domain import calendar
from loyalty.domain.accounting import tier_of
from loyalty.domain.valuation import SIGN
from loyalty.store import accounting, keys, lots
from loyalty.store.client import Item, dynamodb, from_item, table_name
from loyalty.store.redemptions import RedemptionRecord

MEMBER_PREFIX = keys.member_partition("")
ACTIVITY_PREFIX = keys.activity_partition("")
ORDER_PREFIX = keys.order("")["PK"]
REFUND_PREFIX = keys.refund("")["PK"]
REDEMPTION_PREFIX = keys.redemption("")["PK"]
EMAIL_PREFIX = keys.email("")["PK"]
LOT_PREFIX = keys.LOT_PREFIX
COUNTER_PREFIX = keys.redeemed_count("", "")["SK"]
REFEREE_PREFIX = keys.referee("")["PK"]
CODE_PREFIX = keys.referral("")["PK"]
REFERRAL_ENTRY_PREFIX = keys.referral_entry("")["PK"]

# Entries whose change to available is their own points.
AVAILABLE_ONLY_KINDS = frozenset({"redeem", "redemption_cancel", "adjust", "expire", "bonus", "import", "referral"})
# Entries whose points count in lifetime_earned: earn adds the order's points, refund takes back what it
# reversed, import brings the points a member earned on the platform it came from.
EARNING_KINDS = ("earn", "refund", "import")
# Kinds whose effect on lifetime_earned is known: the earning kinds, merges (their ``moved_lifetime``);
# the others leave it alone.
KNOWN_KINDS = AVAILABLE_ONLY_KINDS | set(EARNING_KINDS) | {"merge"}
REDEMPTION_STATUSES = frozenset({"issued", "used", "cancelled"})
# Orderings tried for one millisecond's entries before the chain is left undecided for it.
CHAIN_SEARCH_BUDGET = 20_000


@dataclass(frozen=True)
class Problem:
    subject: str  # "member m-1", "reward coffee", ...
    check: str  # stable name of the rule, e.g. "ledger"
    detail: str

    def __str__(self) -> str:
        return f"{self.subject}: [{self.check}] {self.detail}"


@dataclass(frozen=True)
class AuditReport:
    items_scanned: int
    members_checked: int
    entries_checked: int
    problems: tuple[Problem, ...]

    @property
    def clean(self) -> bool:
        return not self.problems

    def by_subject(self) -> dict[str, list[Problem]]:
        grouped: dict[str, list[Problem]] = defaultdict(list)
        for problem in self.problems:
            grouped[problem.subject].append(problem)
        return dict(grouped)

    def checks(self) -> set[str]:
        return {problem.check for problem in self.problems}

    def render(self) -> str:
        """A human report; it names members by id only, never by email."""
        summary = (
            f"Audit: {self.items_scanned} items, {self.members_checked} members, "
            f"{self.entries_checked} ledger entries: "
        )
        if self.clean:
            return summary + "clean"
        lines = [summary + f"{len(self.problems)} problem(s)"]
        for subject, problems in sorted(self.by_subject().items()):
            lines.append(subject)
            lines += [f"  [{problem.check}] {problem.detail}" for problem in problems]
        return "\n".join(lines)


def scan() -> Iterator[Item]:
    """Every item of the table, strongly consistent, page by page."""
    paginator = dynamodb().get_paginator("scan")
    for page in paginator.paginate(TableName=table_name(), ConsistentRead=True):
        for raw in page.get("Items", []):
            yield from_item(raw)


def run() -> AuditReport:
    """Audit the table the layer is configured for (TABLE_NAME)."""
    return audit(scan())


def audit(items: Iterable[Item]) -> AuditReport:
    """Audit a set of items (the whole table): pure, so a test can feed it anything."""
    book = _Book()
    scanned = 0
    for item in items:
        scanned += 1
        book.add(item)
    problems = [
        *book.member_problems(),
        *book.reward_problems(),
        *book.accounting_problems(),
        *book.referral_problems(),
    ]
    return AuditReport(
        items_scanned=scanned,
        members_checked=len(book.profiles),
        entries_checked=sum(len(entries) for entries in book.entries.values()),
        problems=tuple(problems),
    )


def _int(item: Item, name: str) -> int:
    value = item.get(name)
    return int(value) if value is not None else 0


def _member_subject(member_id: str) -> str:
    return f"member {member_id}"


@dataclass
class _Book:
    """The table's items, sorted by what they are."""

    profiles: dict[str, Item] = field(default_factory=dict)
    lots: dict[str, list[Item]] = field(default_factory=lambda: defaultdict(list))
    counters: dict[str, list[Item]] = field(default_factory=lambda: defaultdict(list))
    entries: dict[str, list[Item]] = field(default_factory=lambda: defaultdict(list))
    orders: dict[str, Item] = field(default_factory=dict)
    refunds: list[Item] = field(default_factory=list)
    redemptions: dict[str, Item] = field(default_factory=dict)
    rewards: dict[str, Item] = field(default_factory=dict)
    emails: dict[str, Item] = field(default_factory=dict)
    accounting_days: list[Item] = field(default_factory=list)
    referees: dict[str, Item] = field(default_factory=dict)  # referee -> its referral record
    codes: dict[str, Item] = field(default_factory=dict)  # referral code -> its item (owner, counters)
    referral_entries: list[Item] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.reversed_by_order: dict[str, int] = defaultdict(int)

    def merged_into_member(self, member_id: str) -> list[str]:
        """The members taken over by ``member_id`` (their pending orders mature into it)."""
        return [mid for mid, profile in self.profiles.items() if profile.get("merged_into") == member_id]

    def owns_order_of(self, order_member: object, member_id: str) -> bool:
        merged = self.profiles.get(str(order_member), {})
        return order_member == member_id or merged.get("merged_into") == member_id

    def add(self, item: Item) -> None:
        pk, sk = str(item.get("PK", "")), str(item.get("SK", ""))
        gsi1pk = item.get("GSI1PK")
        if isinstance(gsi1pk, str) and gsi1pk.startswith(ACTIVITY_PREFIX):
            self.entries[gsi1pk.removeprefix(ACTIVITY_PREFIX)].append(item)
        if pk.startswith(MEMBER_PREFIX):
            member_id = pk.removeprefix(MEMBER_PREFIX)
            if sk == keys.PROFILE:
                self.profiles[member_id] = item
            elif sk.startswith(LOT_PREFIX):
                self.lots[member_id].append(item)
            elif sk.startswith(COUNTER_PREFIX):
                self.counters[member_id].append(item)
        elif pk.startswith(ORDER_PREFIX):
            self.orders[pk.removeprefix(ORDER_PREFIX)] = item
        elif pk.startswith(REFUND_PREFIX):
            self.refunds.append(item)
            self.reversed_by_order[str(item.get("order_id"))] += _int(item, "points_reversed")
        elif pk.startswith(REDEMPTION_PREFIX):
            self.redemptions[pk.removeprefix(REDEMPTION_PREFIX)] = item
        elif pk == keys.CATALOG and sk.startswith(keys.REWARD_PREFIX):
            self.rewards[sk.removeprefix(keys.REWARD_PREFIX)] = item
        elif pk.startswith(EMAIL_PREFIX):
            self.emails[pk.removeprefix(EMAIL_PREFIX)] = item
        elif pk.startswith(keys.ACCOUNTING_PREFIX) and sk.startswith(keys.ACCOUNTING_DAY_PREFIX):
            self.accounting_days.append(item)
        else:
            self._add_referral(pk, sk, item)

    def _add_referral(self, pk: str, sk: str, item: Item) -> None:
        if pk.startswith(REFEREE_PREFIX) and sk == keys.referee("")["SK"]:
            self.referees[pk.removeprefix(REFEREE_PREFIX)] = item
        elif pk.startswith(CODE_PREFIX) and sk == keys.referral("")["SK"]:
            self.codes[pk.removeprefix(CODE_PREFIX)] = item
        elif pk.startswith(REFERRAL_ENTRY_PREFIX):
            self.referral_entries.append(item)

    # --- members ------------------------------------------------------------------------------------

    def member_problems(self) -> Iterator[Problem]:
        member_ids = set(self.profiles) | set(self.lots) | set(self.entries) | set(self.counters)
        for member_id in sorted(member_ids):
            subject = _member_subject(member_id)
            for check, detail in self._member(member_id):
                yield Problem(subject, check, detail)

    def _member(self, member_id: str) -> Iterator[tuple[str, str]]:
        profile = self.profiles.get(member_id)
        entries = self.entries.get(member_id, [])
        lots = self.lots.get(member_id, [])
        if profile is None:
            what = [f"{len(lots)} lot(s)"] * bool(lots) + [f"{len(entries)} ledger entr(ies)"] * bool(entries)
            yield "orphan", f"no member profile, yet {' and '.join(what) or 'counters'} name this member"
            return
        available, pending, debt = _int(profile, "available"), _int(profile, "pending"), _int(profile, "debt")
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
        for counter in self.counters.get(member_id, []):
            if _int(counter, "count") < 0:
                yield "stock", f"redemption counter {counter.get('SK')} is {_int(counter, 'count')}"
        for entry in entries:
            if _int(entry, "balance_after") < 0:
                yield "signs", f"entry {entry.get('entry_id')} has balance_after {_int(entry, 'balance_after')}"
        apart = {"erased": self._erased, "merged": self._merged}.get(str(profile.get("status")))
        if apart is not None:
            yield from apart(member_id, profile, entries, lots)
            return
        yield from self._balances(member_id, profile, entries, lots)
        yield from self._uniqueness(entries)
        yield from self._orders(member_id, entries)
        yield from self._redemptions(member_id, entries)
        yield from self._chain(profile, entries)
        yield from self._email(member_id, profile)

    def _balances(
        self, member_id: str, profile: Item, entries: list[Item], lots: list[Item]
    ) -> Iterator[tuple[str, str]]:
        available, pending, debt = _int(profile, "available"), _int(profile, "pending"), _int(profile, "debt")
        ledger = sum(_int(entry, "entry_points") for entry in entries)
        if available + pending - debt != ledger:
            yield (
                "ledger",
                f"available {available} + pending {pending} - debt {debt} = {available + pending - debt}, "
                f"but the {len(entries)} ledger entries add up to {ledger}",
            )
        held = _days(lots)
        if sum(held.values()) != available:
            yield "lots", f"the lots hold {sum(held.values())} points, the member {available} available"
        yield from self._expiry(member_id, profile, held)
        orders = entries + [e for mid in self.merged_into_member(member_id) for e in self.entries.get(mid, [])]
        orders_pending = sum(
            _int(entry, "pending_left")
            for entry in orders
            if entry.get("kind") == "earn" and entry.get("status") == "pending"
        )
        if orders_pending != pending:
            yield "pending", f"pending is {pending}, but the member's pending orders have {orders_pending} left"
        if {str(entry.get("kind")) for entry in entries} <= KNOWN_KINDS:
            earned = sum(_int(entry, "entry_points") for entry in entries if entry.get("kind") in EARNING_KINDS)
            earned += sum(_int(entry, "moved_lifetime") for entry in entries if entry.get("kind") == "merge")
            if _int(profile, "lifetime_earned") != earned:
                yield (
                    "lifetime",
                    f"lifetime_earned is {_int(profile, 'lifetime_earned')}, earnings less refunds are {earned}",
                )

    def _expiry(self, member_id: str, profile: Item, held: dict[str, int]) -> Iterator[tuple[str, str]]:
        never = calendar.NEVER.isoformat()
        expiring = sorted(day for day, points in held.items() if points > 0 and day != never)
        day = profile.get("GSI5SK")
        if expiring and (day is None or str(day) > expiring[0]):
            yield "expiry", f"expiry day {day or 'missing'}, but points expire on {expiring[0]}"
        if day is not None and profile.get("GSI5PK") != keys.due("EXPIRY", member_id, str(day))["GSI5PK"]:
            yield "expiry", f"expiry index partition {profile.get('GSI5PK')} is not the member's shard"

    def _uniqueness(self, entries: list[Item]) -> Iterator[tuple[str, str]]:
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

    def _orders(self, member_id: str, entries: list[Item]) -> Iterator[tuple[str, str]]:
        reversed_by_order = self.reversed_by_order
        for entry in entries:
            kind = entry.get("kind")
            if kind == "earn":
                order_id = str(entry.get("order_id"))
                stored = self.orders.get(order_id)
                if stored is not entry:
                    yield "once", f"earn entry {entry.get('entry_id')} is not the item of order {order_id}"
                    continue
                points, credited, left = _int(entry, "points"), _int(entry, "credited"), _int(entry, "pending_left")
                if _int(entry, "entry_points") != points:
                    yield "orders", f"order {order_id}'s entry says {_int(entry, 'entry_points')}, it earned {points}"
                if not 0 <= credited <= points:
                    yield "orders", f"order {order_id} credited {credited} of its {points} points"
                if not 0 <= left <= credited:
                    yield "orders", f"order {order_id} has {left} pending points left of {credited} credited"
                reversed_ = _int(entry, "reversed")
                if reversed_ != reversed_by_order.get(order_id, 0) or reversed_ > points:
                    yield (
                        "orders",
                        f"order {order_id} says {reversed_} points reversed, its refunds "
                        f"{reversed_by_order.get(order_id, 0)}, of {points} earned",
                    )
            elif kind == "refund":
                order = self.orders.get(str(entry.get("order_id")))
                if order is None or not self.owns_order_of(order.get("member_id"), member_id):
                    yield (
                        "orders",
                        f"refund {entry.get('refund_id')} names order {entry.get('order_id')} of no such member",
                    )
                if _int(entry, "points_reversed") < 0 or _int(entry, "to_debt") < 0:
                    yield "orders", f"refund {entry.get('refund_id')} reverses a negative number of points"
                if _int(entry, "entry_points") != -_int(entry, "points_reversed"):
                    yield "orders", f"refund {entry.get('refund_id')}'s entry does not match what it reversed"

    def _redemptions(self, member_id: str, entries: list[Item]) -> Iterator[tuple[str, str]]:
        cancellations: dict[str, list[Item]] = defaultdict(list)
        for entry in entries:
            if entry.get("kind") == "redemption_cancel":
                cancellations[str(entry.get("redemption_id"))].append(entry)
        for entry in entries:
            if entry.get("kind") != "redeem":
                continue
            rid = str(entry.get("redemption_id"))
            spent = _int(entry, "points_spent")
            taken = sum(RedemptionRecord.from_item(entry).takes.values())
            if taken != spent or _int(entry, "entry_points") != -spent:
                yield "redeem", f"redemption {rid} spent {spent} points but took {taken} from lots"
            status = entry.get("status")
            if status not in REDEMPTION_STATUSES:
                yield "redeem", f"redemption {rid} has status {status!r}"
            given_back = cancellations.pop(rid, [])
            if (status == "cancelled") != bool(given_back) or len(given_back) > 1:
                yield "redeem", f"redemption {rid} is {status} with {len(given_back)} cancellation entries"
            elif given_back and _int(given_back[0], "entry_points") != spent:
                yield "redeem", f"redemption {rid}'s cancellation gave back {_int(given_back[0], 'entry_points')}"
            if entry.get("PK") != keys.redemption(str(entry.get("code")))["PK"]:
                yield "redeem", f"redemption {rid} is not filed under its code"
        taken_over = {  # redemptions of members merged into this one: their cancellations give back here
            str(e.get("redemption_id")) for mid in self.merged_into_member(member_id) for e in self.entries.get(mid, [])
        }
        for rid in sorted(set(cancellations) - taken_over):
            yield "redeem", f"cancellation of redemption {rid}, which is not this member's"

    def _chain(self, profile: Item, entries: list[Item]) -> Iterator[tuple[str, str]]:
        steps: list[tuple[str, int, int, str]] = []  # occurred_at, change to available, balance_after, id
        for entry in entries:
            change = self._change_to_available(entry)
            if change is None:
                return  # not derivable for this member (see the module docstring)
            steps.append(
                (str(entry.get("occurred_at")), change, _int(entry, "balance_after"), str(entry.get("entry_id")))
            )
        steps.sort()
        balance = 0
        index = 0
        while index < len(steps):
            group = [step for step in steps[index:] if step[0] == steps[index][0]]
            if _orderable(balance, [(change, after) for _, change, after, _ in group]) is False:
                shown = ", ".join(f"{entry_id} ({change:+d} -> {after})" for _, change, after, entry_id in group)
                yield "chain", f"after a balance of {balance}, no order of {shown} gives their balance_after"
            balance += sum(change for _, change, _, _ in group)
            index += len(group)
        if steps and balance != _int(profile, "available"):
            yield (
                "chain",
                f"following the entries gives a balance of {balance}, available is {_int(profile, 'available')}",
            )

    def _change_to_available(self, entry: Item) -> int | None:
        """What an entry did to available, when its item tells; None when it may have been pending."""
        kind = entry.get("kind")
        if kind in AVAILABLE_ONLY_KINDS:
            return _int(entry, "entry_points")
        if kind == "merge":  # moved pending points mature later without an entry of their own
            return None if _int(entry, "moved_pending") else _int(entry, "moved_available")
        if kind == "earn":
            return None if _maybe_pending(entry) else _int(entry, "credited")
        if kind == "refund":
            order = self.orders.get(str(entry.get("order_id")))
            if order is None or _maybe_pending(order):
                return None
            return -(_int(entry, "points_reversed") - _int(entry, "to_debt"))
        return None

    def _erased(
        self, member_id: str, profile: Item, entries: list[Item], lots: list[Item]
    ) -> Iterator[tuple[str, str]]:
        for name in ("email", "name", "locale"):
            if profile.get(name) is not None:
                yield "erasure", f"the erased member still holds its {name}"
        if any(guard.get("member_id") == member_id for guard in self.emails.values()):
            yield "erasure", "an email guard still names the erased member"
        if _int(profile, "available") or _int(profile, "pending") or lots:
            yield (
                "erasure",
                f"the erased member holds {_int(profile, 'available')} available, {_int(profile, 'pending')} "
                f"pending and {len(lots)} lot(s)",
            )
        ledger = sum(_int(entry, "entry_points") for entry in entries)
        held = _int(profile, "available") + _int(profile, "pending") - _int(profile, "debt")
        if held != ledger:
            yield "ledger", f"available + pending - debt = {held}, but the {len(entries)} entries add up to {ledger}"

    def _merged(
        self, member_id: str, profile: Item, entries: list[Item], lots: list[Item]
    ) -> Iterator[tuple[str, str]]:
        yield from merged_problems(member_id, profile, entries, lots, self.profiles, self.emails, self.entries)

    def _email(self, member_id: str, profile: Item) -> Iterator[tuple[str, str]]:
        guard = self.emails.get(str(profile.get("email")))
        if guard is None:
            yield "emails", "the member's email has no uniqueness guard"
        elif guard.get("member_id") != member_id:
            yield "emails", f"the member's email guard names member {guard.get('member_id')}"

    # --- rewards ------------------------------------------------------------------------------------

    # --- accounts (docs/accounting.md) ---------------------------------------------------------------

    def accounting_problems(self) -> Iterator[Problem]:
        """Every lot day is made of its valued portions; every accounting day adds up (its movements equal
        its change of the outstanding balance: the roll-forward of any month adds up); and the books'
        outstanding points and value, by expiry month, are the lots' (so the liability report's
        outstanding points are the members' available points)."""
        held: dict[str, tuple[int, Decimal]] = defaultdict(lambda: (0, Decimal(0)))
        for member_id, member_lots in self.lots.items():
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
                    yield Problem(_member_subject(member_id), "valuation", detail)
        booked: dict[str, tuple[int, Decimal]] = defaultdict(lambda: (0, Decimal(0)))
        for item in self.accounting_days:
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
        yield from self._tier_problems()
        booked_now = {month: value for month, value in booked.items() if value != (0, Decimal(0))}
        held_now = {month: value for month, value in held.items() if value != (0, Decimal(0))}
        if booked_now != held_now:
            yield Problem("accounts", "liability", f"the books hold {booked_now}, the lots {held_now}")

    def _tier_problems(self) -> Iterator[Problem]:
        counted: Counter[str] = Counter()
        for item in self.accounting_days:
            for name, value in item.items():
                tier = tier_of(str(name))
                if tier is not None:
                    counted[tier] += int(value)
        held = Counter(str(p.get("tier")) for p in self.profiles.values() if p.get("status", "active") == "active")
        booked = {tier: n for tier, n in counted.items() if n != 0}
        if booked != dict(held):
            yield Problem("accounts", "tiers", f"the books count members by tier {booked}, the table {dict(held)}")

    def referral_problems(self) -> Iterator[Problem]:
        """referrals: a code's ``completed`` is the number of its referees' records credited; every
        ``referral`` entry rewards a credited record (the referee's own, or a referrer named by its code),
        at most once per referee and role; a milestone entry's count is one the code reached; a member
        whose record is credited or completed says so on its profile (no other order may start one)."""
        credited: Counter[str] = Counter()
        for referee, record in sorted(self.referees.items()):
            if record.get("status") == "credited":
                credited[str(record.get("code"))] += 1
            if record.get("status") in ("completed", "credited"):
                profile = self.profiles.get(referee)
                if profile is not None and profile.get("status") != "erased" and profile.get("referral") != "completed":
                    yield Problem(
                        _member_subject(referee), "referrals", "a completed referral the profile does not say"
                    )
        for code, item in sorted(self.codes.items()):
            if _int(item, "completed") != credited[code]:
                yield Problem(
                    _member_subject(str(item.get("member_id"))),
                    "referrals",
                    f"code {code} counts {_int(item, 'completed')} completed, {credited[code]} records are credited",
                )
        owner_codes = {str(item.get("member_id")): code for code, item in self.codes.items()}
        # A merged member's code went with its takeover: its earlier referral entries still name it.
        owner_codes.update(
            {mid: str(p.get("referral_code")) for mid, p in self.profiles.items() if p.get("status") == "merged"}
        )
        for entry in self.referral_entries:
            member_id, entry_id = str(entry.get("member_id")), str(entry.get("entry_id"))
            referee = str(entry.get("referee_id"))
            record = self.referees.get(referee)
            subject = _member_subject(member_id)
            if record is None or record.get("status") not in ("completed", "credited"):
                yield Problem(subject, "referrals", f"{entry_id} rewards a referral that did not complete")
                continue
            if entry_id.startswith("referee:") and member_id != referee:
                yield Problem(subject, "referrals", f"{entry_id} credits another member than the referee")
            if not entry_id.startswith("referee:") and record.get("code") != owner_codes.get(member_id):
                yield Problem(subject, "referrals", f"{entry_id} credits a member that did not refer {referee}")
            milestone = entry.get("milestone")
            code = owner_codes.get(member_id, "")
            if milestone is not None and int(milestone) > _int(self.codes.get(code, {}), "completed"):
                yield Problem(subject, "referrals", f"{entry_id} pays a milestone the code has not reached")

    def reward_problems(self) -> Iterator[Problem]:
        for reward_id, reward in sorted(self.rewards.items()):
            stock = reward.get("stock_remaining")
            if stock is not None and int(stock) < 0:
                yield Problem(f"reward {reward_id}", "stock", f"stock_remaining is {int(stock)}")


def lots_attribute(name: str) -> bool:
    return len(name) == 3 and name[0] == "d" and name[1:].isdigit()


def _days(lot_items: list[Item]) -> dict[str, int]:
    held: dict[str, int] = {}
    for item in lot_items:
        held.update(lots.days_of(item))
    return held


def _maybe_pending(order: Item) -> bool:
    """Whether an order's points may have gone to pending: only when they were due later than it was
    recorded (available_at > occurred_at), which is how accrual decides."""
    try:
        return _moment(order.get("available_at")) > _moment(order.get("occurred_at"))
    except (TypeError, ValueError):
        return True


def _moment(value: Any) -> datetime:
    return datetime.fromisoformat(str(value))


class _Undecided(Exception):
    pass


def _orderable(start: int, steps: list[tuple[int, int]]) -> bool | None:
    """Whether some order of ``steps`` (change, balance_after) chains from ``start``; None if the
    search gave up (many entries in one millisecond that look alike)."""
    used = [False] * len(steps)
    budget = [CHAIN_SEARCH_BUDGET]

    def walk(balance: int, left: int) -> bool:
        if left == 0:
            return True
        budget[0] -= 1
        if budget[0] < 0:
            raise _Undecided
        tried: set[tuple[int, int]] = set()
        for index, (change, after) in enumerate(steps):
            if used[index] or balance + change != after or (change, after) in tried:
                continue
            tried.add((change, after))
            used[index] = True
            if walk(after, left - 1):
                return True
            used[index] = False
        return False

    try:
        return walk(start, len(steps))
    except _Undecided:
        return None
