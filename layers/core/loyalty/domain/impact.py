"""The impact aggregates (the experiments and retention reports' only inputs), planned from the table's
stream the way the books are (loyalty.domain.stream_books): pure.

What one stream record brings (``Record``): orders and refunds as ``Fact``s about one customer's month
(a member's, or a non-member's keyed hash), and plain counters (cohort sizes, members by the month of
their last activity). A batch becomes a few ``Step``s; each is one transaction with the shard's
checkpoint, so a batch delivered twice, or failed half-way, is taken in exactly once.

A customer's month item keeps the customer's running revenue ``r`` and orders ``o`` of that month, so a
fact moves its group's sums of squares exactly: ``(v + x)² - v²``. The group and month item (``G``)
holds, for the customers with an order that month: ``c`` customers, ``o`` orders, ``r`` revenue (minor
units), ``qr`` / ``qo`` the sums of squares of per-customer revenue and orders, ``qx`` the sum of their
products (the average order value's interval), ``rp`` customers with two orders or more, ``p`` points
their orders earned. The sums themselves are ``r`` and ``o``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

GROUPS = ("t", "h", "n")  # treatment members, holdout members, non-members

# A TransactWriteItems holds 100 items: the checkpoint takes one.
MAX_ITEMS = 99

type Counts = dict[str, int]  # attribute -> signed change
type Value = tuple[int, int]  # a customer's month: revenue (minor units), orders


@dataclass(frozen=True)
class Fact:
    """An order (``orders`` 1) or a refund (``orders`` 0, ``revenue`` negative) in a customer's month."""

    customer: str  # a member id, or "n:<keyed hash>" for a non-member
    group: str  # one of GROUPS
    month: str  # YYYY-MM
    revenue: int
    orders: int
    points: int = 0
    cohort: str | None = None  # a member's enrollment month (YYYY-MM)


@dataclass(frozen=True)
class Record:
    """One stream record's part: its place in the shard, and what it moves."""

    sequence: int
    created: float
    label: str
    facts: tuple[Fact, ...] = ()
    counts: Mapping[str, Counts] = field(default_factory=dict)  # aggregate id -> attribute -> change


@dataclass(frozen=True)
class Step:
    """One transaction: the customers' months as they become (and as they were read: the condition),
    the aggregates' adds by id, and where the checkpoint moves."""

    customers: dict[tuple[str, str], tuple[Value, Value]] = field(default_factory=dict)  # -> (read, new)
    adds: dict[str, Counts] = field(default_factory=dict)
    last: int = 0
    through: float = 0.0
    label: str = ""

    def size(self) -> int:
        return len(self.customers) + len(self.adds)


def group_id(month: str, group: str) -> str:
    return f"G/{month}/{group}"


def cohort_id(cohort: str) -> str:
    return f"C/{cohort}"


LAST_ID = "L"  # members by the month of their last order (their enrollment month before any)


def fact_adds(fact: Fact, before: Value) -> dict[str, Counts]:
    """What ``fact`` adds to the aggregates, given the customer's month ``before`` it."""
    revenue, orders = before
    after_r, after_o = revenue + fact.revenue, orders + fact.orders
    group: Counts = {
        "c": 1 if orders == 0 and after_o > 0 else 0,
        "o": fact.orders,
        "r": fact.revenue,
        "qr": after_r * after_r - revenue * revenue,
        "qo": after_o * after_o - orders * orders,
        "qx": after_r * after_o - revenue * orders,
        "rp": 1 if orders < 2 <= after_o else 0,
        "p": fact.points,
    }
    found = {group_id(fact.month, fact.group): group}
    if fact.cohort and fact.group != "n" and orders == 0 and after_o > 0:
        found[cohort_id(fact.cohort)] = {f"a{fact.month}": 1}  # one more of the cohort active that month
    return found


def _merge(into: dict[str, Counts], adds: Mapping[str, Counts]) -> dict[str, Counts]:
    merged = {name: dict(counts) for name, counts in into.items()}
    for name, counts in adds.items():
        target = merged.setdefault(name, {})
        for attribute, value in counts.items():
            target[attribute] = target.get(attribute, 0) + value
    return merged


def pending(records: Sequence[Record], checkpoint: int | None) -> list[Record]:
    return [record for record in records if checkpoint is None or record.sequence > checkpoint]


def steps(
    records: Sequence[Record], checkpoint: int | None, read: Mapping[tuple[str, str], Value], limit: int = MAX_ITEMS
) -> list[Step]:
    """The transactions that take in ``records`` after ``checkpoint``, given the customers' months as
    read (absent: nothing yet). Split in record order wherever the next record would pass ``limit``
    items; a record is never split."""
    found: list[Step] = []
    current = Step()
    values = dict(read)
    for record in pending(records, checkpoint):
        customers = dict(current.customers)
        adds = current.adds
        for fact in record.facts:
            key = (fact.customer, fact.month)
            before = values.get(key, (0, 0))
            after = (before[0] + fact.revenue, before[1] + fact.orders)
            first_read = customers[key][0] if key in customers else before
            customers[key] = (first_read, after)
            values[key] = after
            adds = _merge(adds, fact_adds(fact, before))
        adds = _merge(adds, record.counts)
        adds = {name: kept for name, counts in adds.items() if (kept := {a: v for a, v in counts.items() if v})}
        candidate = Step(customers, adds, record.sequence, record.created, record.label or str(record.sequence))
        if candidate.size() > limit and current.last:
            found.append(current)
            # The record again, alone, from the values as the previous step leaves them.
            fresh = dict(values)
            for fact in reversed(record.facts):  # undo this record's facts to find its reads
                key = (fact.customer, fact.month)
                fresh[key] = (fresh[key][0] - fact.revenue, fresh[key][1] - fact.orders)
            candidate = steps([record], None, fresh, limit)[0]
        current = candidate
    if current.last:
        found.append(current)
    return found


def totals(records: Sequence[Record]) -> tuple[dict[tuple[str, str], Value], dict[str, Counts]]:
    """The customers' months and the aggregates ``records`` make from nothing: what ``steps`` would
    write, in one pass whatever their number (a rebuild's; ``steps`` copies its step record by record)."""
    values: dict[tuple[str, str], Value] = {}
    adds: dict[str, Counts] = {}
    for record in records:
        for fact in record.facts:
            key = (fact.customer, fact.month)
            before = values.get(key, (0, 0))
            values[key] = (before[0] + fact.revenue, before[1] + fact.orders)
            _add(adds, fact_adds(fact, before))
        _add(adds, record.counts)
    kept = {name: nonzero for name, counts in adds.items() if (nonzero := {a: v for a, v in counts.items() if v})}
    return {key: value for key, value in values.items() if value != (0, 0)}, kept


def _add(into: dict[str, Counts], adds: Mapping[str, Counts]) -> None:
    for name, counts in adds.items():
        target = into.setdefault(name, {})
        for attribute, value in counts.items():
            target[attribute] = target.get(attribute, 0) + value
