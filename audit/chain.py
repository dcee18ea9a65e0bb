"""The chain check: ``balance_after`` follows from one entry to the next, wherever what each entry did to
available is known (see the package docstring)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from audit.book import AVAILABLE_ONLY_KINDS, Book, int_of
from loyalty.store.client import Item

CHAIN_SEARCH_BUDGET = 20_000


def chain_problems(book: Book, profile: Item, entries: list[Item]) -> Iterator[tuple[str, str]]:
    steps: list[tuple[str, int, int, str]] = []  # occurred_at, change to available, balance_after, id
    for entry in entries:
        change = _change_to_available(book, entry)
        if change is None:
            return  # not derivable for this member (see the module docstring)
        steps.append(
            (str(entry.get("occurred_at")), change, int_of(entry, "balance_after"), str(entry.get("entry_id")))
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
    if steps and balance != int_of(profile, "available"):
        yield (
            "chain",
            f"following the entries gives a balance of {balance}, available is {int_of(profile, 'available')}",
        )


def _change_to_available(book: Book, entry: Item) -> int | None:
    """What an entry did to available, when its item tells; None when it may have been pending."""
    kind = entry.get("kind")
    if kind in AVAILABLE_ONLY_KINDS:
        # A challenge's reward reversed beyond what was available owes the rest (to_debt), as a refund does.
        return int_of(entry, "entry_points") + int_of(entry, "to_debt")
    if kind == "merge":  # moved pending points mature later without an entry of their own
        return None if int_of(entry, "moved_pending") else int_of(entry, "moved_available")
    if kind == "earn":
        return None if _maybe_pending(entry) else int_of(entry, "credited")
    if kind == "refund":
        order = book.orders.get(str(entry.get("order_id")))
        if order is None or _maybe_pending(order):
            return None
        return -(int_of(entry, "points_reversed") - int_of(entry, "to_debt"))
    return None


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
