"""The redeem and stock checks: what each redemption took and gave back, and no stock below zero."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from audit.book import Book, int_of
from audit.report import Problem
from loyalty.store import keys
from loyalty.store.client import Item
from loyalty.store.redemptions import RedemptionRecord

REDEMPTION_STATUSES = frozenset({"issued", "used", "cancelled"})


def member_redemption_problems(book: Book, member_id: str, entries: list[Item]) -> Iterator[tuple[str, str]]:
    cancellations: dict[str, list[Item]] = defaultdict(list)
    for entry in entries:
        if entry.get("kind") == "redemption_cancel":
            cancellations[str(entry.get("redemption_id"))].append(entry)
    for entry in entries:
        if entry.get("kind") != "redeem":
            continue
        rid = str(entry.get("redemption_id"))
        spent = int_of(entry, "points_spent")
        taken = sum(RedemptionRecord.from_item(entry).takes.values())
        if taken != spent or int_of(entry, "entry_points") != -spent:
            yield "redeem", f"redemption {rid} spent {spent} points but took {taken} from lots"
        status = entry.get("status")
        if status not in REDEMPTION_STATUSES:
            yield "redeem", f"redemption {rid} has status {status!r}"
        given_back = cancellations.pop(rid, [])
        if (status == "cancelled") != bool(given_back) or len(given_back) > 1:
            yield "redeem", f"redemption {rid} is {status} with {len(given_back)} cancellation entries"
        elif given_back and int_of(given_back[0], "entry_points") != spent:
            yield "redeem", f"redemption {rid}'s cancellation gave back {int_of(given_back[0], 'entry_points')}"
        if entry.get("PK") != keys.redemption(str(entry.get("code")))["PK"]:
            yield "redeem", f"redemption {rid} is not filed under its code"
    taken_over = {  # redemptions of members merged into this one: their cancellations give back here
        str(e.get("redemption_id")) for mid in book.merged_into_member(member_id) for e in book.entries.get(mid, [])
    }
    for rid in sorted(set(cancellations) - taken_over):
        yield "redeem", f"cancellation of redemption {rid}, which is not this member's"


def reward_problems(book: Book) -> Iterator[Problem]:
    for reward_id, reward in sorted(book.rewards.items()):
        stock = reward.get("stock_remaining")
        if stock is not None and int(stock) < 0:
            yield Problem(f"reward {reward_id}", "stock", f"stock_remaining is {int(stock)}")
