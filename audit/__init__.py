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
which is why it lives outside the Lambda layer, and outside local/ and tests/: the tests
(tests/auditing.py) and ``make audit`` (local/audit.py) both run it. One module per group of checks:
members (ledger, pending, lots, expiry, lifetime, signs, once, orders, emails, erasure), chain,
redemptions (redeem, stock), merges, accounts (valuation, rollforward, liability, tiers), referrals.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from audit import accounts, members, redemptions, referrals
from audit.book import Book
from audit.report import AuditReport, Problem
from loyalty.store.client import Item, dynamodb, from_item, table_name

__all__ = ["AuditReport", "Problem", "audit", "run", "scan"]


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
    book = Book()
    scanned = 0
    for item in items:
        scanned += 1
        book.add(item)
    problems = [
        *members.member_problems(book),
        *redemptions.reward_problems(book),
        *accounts.accounting_problems(book),
        *referrals.referral_problems(book),
    ]
    return AuditReport(
        items_scanned=scanned,
        members_checked=len(book.profiles),
        entries_checked=sum(len(entries) for entries in book.entries.values()),
        problems=tuple(problems),
    )
