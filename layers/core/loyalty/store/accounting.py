"""Accounting aggregates: what the ledger moved each day, per shard, and the frozen balances of closed
months.

A day item (``ACCT#<shard>`` / ``DAY#<day>``) is updated with ``ADD`` by the table stream's consumer,
never by a member's transaction: each write that books keeps its adds on a durable item it writes (its
ledger entry: loyalty.store.stream_books), whose stream record carries them, and the consumer takes
each in exactly once (loyalty.services.books: a batch's adds and its place in the stream are committed
together), so the day items agree with the lots once the stream is read.
Attributes:

- ``<kind>_p``, ``<kind>_m``: points and money (exact decimals, minor units) of each movement kind;
- ``x<YYYY-MM>_p``, ``x<YYYY-MM>_m``: the signed change of the outstanding points (and their issue
  value) that expire in that month, so the liability by expiry month needs no lot read;
- KPI counters: ``members_new``, ``orders``, ``revenue_m``, ``first_orders``, ``gap<g>`` (orders
  placed ``g`` days after the member's previous one, ``g`` capped at ``GAP_CAP``) and ``second<g>``
  (a member's second order, ``g`` days after the first), ``pending_p`` (the signed change of pending
  points), ``r<YYYY-MM>_c`` and ``e<YYYY-MM>_c`` (points of that expiry month's cohort redeemed and
  expired), ``t#<tier>`` (the signed change of that tier's members: loyalty.domain.accounting.tier_moves,
  booked by every write that enrolls a member, changes its tier or erases it).

Sixteen shards (the member's, ``keys.shard_of``, so a rebuild from the ledger puts back each item as it
was); a month's report reads at
most 31 x 16 day items with 16 Queries, whatever the number of members. A month item
(``ACCT#MONTH`` / ``<YYYY-MM>``) freezes a closed month's closing balances and members by tier the first
time a report needs them, so a report never reads further back than its own month.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from loyalty.domain.accounting import Balance, tier_counter, tier_of
from loyalty.domain.valuation import KINDS
from loyalty.store import items, keys
from loyalty.store.client import Item
from loyalty.store.transactions import TxItem


@dataclass
class DayTotals:
    """One day's movements, summed over shards."""

    day: str
    kinds: dict[str, tuple[int, Decimal]] = field(default_factory=dict)
    months: dict[str, tuple[int, Decimal]] = field(default_factory=dict)
    counters: dict[str, Decimal] = field(default_factory=dict)

    def add_item(self, item: Item) -> None:
        for name, raw in item.items():
            if name in ("PK", "SK"):
                continue
            value = Decimal(raw)
            if name.endswith(("_p", "_m")):
                base, unit = name[:-2], name[-1]
                if base in KINDS:
                    target = self.kinds
                elif base.startswith("x") and len(base) == 8:
                    target = self.months
                    base = base[1:]
                else:
                    self.counters[name] = self.counters.get(name, Decimal(0)) + value
                    continue
                points, money = target.get(base, (0, Decimal(0)))
                target[base] = (points + int(value), money) if unit == "p" else (points, money + value)
            else:
                self.counters[name] = self.counters.get(name, Decimal(0)) + value


def day_add(shard: int, day: str, adds: Mapping[str, int | Decimal]) -> TxItem:
    """The transaction item that adds a batch's summed adds (loyalty.domain.stream_books.adds) to one
    shard's day item."""
    expression, marks = items.each("ADD", adds)
    return items.update_tx("accounting", keys.accounting_shard_day(shard, day), expression, None, marks)


def put_day(shard: int, day: str, adds: Mapping[str, int | Decimal]) -> None:
    """A day item as a rebuild computed it, whole (loyalty.services.books.rebuild)."""
    items.put({**keys.accounting_shard_day(shard, day), **adds})


def delete_day(shard: int, day: str) -> None:
    items.delete(keys.accounting_shard_day(shard, day))


def days(first: str, last: str) -> dict[str, DayTotals]:
    """Every day item from ``first`` to ``last`` (days, inclusive), summed over shards: one Query per
    shard (more pages only past 1 MB)."""
    totals: dict[str, DayTotals] = {}
    bounds = {":first": keys.ACCOUNTING_DAY_PREFIX + first, ":last": keys.ACCOUNTING_DAY_PREFIX + last}
    for shard in range(keys.DUE_SHARDS):
        request = items.query(keys.accounting_partition(shard), sort="SK BETWEEN :first AND :last", values=bounds)
        for item in items.every(request):
            day = str(item["SK"])[len(keys.ACCOUNTING_DAY_PREFIX) :]
            totals.setdefault(day, DayTotals(day)).add_item(item)
    return totals


def first_day() -> str | None:
    """The first day the ledger moved (one Query of one item per shard)."""
    found: list[str] = []
    for shard in range(keys.DUE_SHARDS):
        request = items.query(keys.accounting_partition(shard), prefix=keys.ACCOUNTING_DAY_PREFIX, limit=1)
        found += [str(item["SK"])[len(keys.ACCOUNTING_DAY_PREFIX) :] for item in items.first_page(request)]
    return min(found) if found else None


@dataclass(frozen=True)
class MonthClose:
    """A closed month's closing balance (loyalty.domain.accounting.Balance)."""

    month: str
    balance: Balance

    def to_item(self) -> Item:
        balance = self.balance
        item: Item = {
            **keys.accounting_month(self.month),
            "members_total": balance.members_total,
            "pending": balance.pending,
            "alloc": balance.allocated,
            "redm": balance.redeemed_money,
        }
        for month, (points, money) in balance.outstanding.items():
            item[f"x{month}_p"] = points
            item[f"x{month}_m"] = money
        item.update({f"r{month}_c": count for month, count in balance.redeemed.items()})
        item.update({f"e{month}_c": count for month, count in balance.expired.items()})
        item.update({tier_counter(tier): count for tier, count in balance.tiers.items()})
        return item

    @classmethod
    def from_item(cls, item: Item) -> MonthClose:
        totals = DayTotals(str(item["SK"]))
        totals.add_item({name: value for name, value in item.items() if name.startswith("x")})
        return cls(
            str(item["SK"]),
            Balance(
                outstanding=totals.months,
                pending=int(item.get("pending", 0)),
                members_total=int(item.get("members_total", 0)),
                redeemed={
                    name[1:8]: int(v) for name, v in item.items() if name.startswith("r") and name.endswith("_c")
                },
                expired={name[1:8]: int(v) for name, v in item.items() if name.startswith("e") and name.endswith("_c")},
                tiers={tier: int(v) for name, v in item.items() if (tier := tier_of(name)) is not None},
                # Months frozen before these were kept count from zero (docs/accounting.md).
                allocated=Decimal(item.get("alloc", 0)),
                redeemed_money=Decimal(item.get("redm", 0)),
            ),
        )


def closed(month: str) -> MonthClose | None:
    return items.get(keys.accounting_month(month), MonthClose.from_item, consistent=False)


def last_closed_before(month: str) -> MonthClose | None:
    """The latest frozen month before ``month`` (one Query, one item)."""
    request = items.query(
        keys.accounting_months(), sort="SK < :month", values={":month": month}, newest_first=True, limit=1
    )
    found = items.first_page(request)
    return MonthClose.from_item(found[0]) if found else None


def freeze(close: MonthClose) -> None:
    """Store a closed month's balances once (a concurrent report that froze it first wins: the same
    figures, since closed days no longer move)."""
    items.put(close.to_item(), items.NEW)
