"""The books kept from the table's stream: what a member's write hands the stream, which stream records
the books take in, how one batch becomes a few transactions, and when a month's books are complete.

Pure. A member's transaction writes no shared item: a durable item it writes anyway (its ledger entry, or
a ``BOOKED#<version>`` item: loyalty.store.stream_books) keeps what it booked (the booking day and the
adds, by the accounting day item's attribute names), and the stream's consumer (loyalty.services.books)
adds up each such map the stream shows being set, exactly once per stream shard: each
transaction of adds moves that shard's checkpoint in the same TransactWriteItems, on the condition that
the checkpoint is still where it was read, and records at or below the checkpoint are skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from loyalty.domain.valuation import Movement

type Adds = dict[str, int | Decimal]

# A TransactWriteItems holds 100 items: the checkpoint takes one, the day items the rest.
MAX_DAY_ITEMS = 99

# How long after a month's end a write that decided to book on the month's last day may still reach the
# stream: the write loop commits within its function's run (API functions answer within 30 s; retries
# included), so five minutes is a wide bound. See docs/accounting.md (the month-end close).
CLOSE_MARGIN_SECONDS = 300


def adds(movement: Movement | None = None, counters: Mapping[str, int | Decimal] | None = None) -> Adds:
    """What one write adds to its day item, attribute by attribute (only what is not zero): the
    movement's ``<kind>_p`` and ``_m``, the change of each expiry month ``x<YYYY-MM>_p`` and ``_m``, each
    cohort's redeemed (``r<YYYY-MM>_c``) or expired (``e<YYYY-MM>_c``) points, and the KPI and tier
    counters (loyalty.store.accounting's module doc lists them)."""
    found: Adds = {}
    if movement is not None:
        found[f"{movement.kind}_p"] = movement.points
        found[f"{movement.kind}_m"] = movement.money
        for month, (points, money) in movement.months.items():
            found[f"x{month}_p"] = points
            found[f"x{month}_m"] = money
            # Each issue cohort's (expiry month's) redeemed and expired points, for the breakage estimate.
            if movement.kind in ("redeemed", "redemptions_cancelled"):
                found[f"r{month}_c"] = -points
            elif movement.kind == "expired":
                found[f"e{month}_c"] = -points
    for name, value in (counters or {}).items():
        found[name] = found.get(name, 0) + value
    return {name: value for name, value in found.items() if value}


def total(parts: Iterable[Mapping[str, int | Decimal]]) -> Adds:
    """The sum of several writes' adds, attribute by attribute (zeros left out)."""
    summed: Adds = {}
    for part in parts:
        for name, value in part.items():
            summed[name] = summed.get(name, 0) + value
    return {name: value for name, value in summed.items() if value}


@dataclass(frozen=True)
class Booked:
    """One stream record's books: its position in the shard, when DynamoDB wrote it (epoch seconds), the
    accounting shard and day they go to, and the adds."""

    sequence: int
    created: float
    shard: int
    day: str
    adds: Adds
    label: str = ""  # the sequence number as the stream writes it (its zero padding kept)


@dataclass(frozen=True)
class Step:
    """One transaction of a batch: the summed adds by day item (accounting shard, day) and where the
    checkpoint moves (the last record it takes in, and its creation time)."""

    items: dict[tuple[int, str], Adds] = field(default_factory=dict)
    last: int = 0
    through: float = 0.0
    label: str = ""  # ``last`` as the stream writes it


def pending(records: Sequence[Booked], checkpoint: int | None) -> list[Booked]:
    """The records the books have not taken in: those after the checkpoint (sequence numbers compared
    as integers, as the stream orders them)."""
    return [record for record in records if checkpoint is None or record.sequence > checkpoint]


def steps(records: Sequence[Booked], checkpoint: int | None, limit: int = MAX_DAY_ITEMS) -> list[Step]:
    """The transactions that take in ``records`` (one shard's, in stream order) after ``checkpoint``:
    their adds summed by day item, split in record order wherever one more day item would pass
    ``limit``. A record with nothing to add still moves the checkpoint. The books one record brings
    (several durable maps set in one write) stay in one step: the checkpoint moves past whole records."""
    found: list[Step] = []
    current = Step()
    for record in pending(records, checkpoint):
        key = (record.shard, record.day)
        same_record = current.last == record.sequence
        if record.adds and key not in current.items and len(current.items) >= limit and not same_record:
            found.append(current)
            current = Step()
        items = dict(current.items)
        if record.adds:
            items[key] = total([items.get(key, {}), record.adds])
            if not items[key]:
                del items[key]  # adds that cancel out: nothing to write there
        current = Step(items, record.sequence, record.created, record.label or str(record.sequence))
    if current.last:
        found.append(current)
    return found


# --- the month-end close ------------------------------------------------------------------------------


def close_cutoff(month_end: float) -> float:
    """The stream time (epoch seconds) up to which every write of a month has reached the stream."""
    return month_end + CLOSE_MARGIN_SECONDS


def shard_settled(
    through: float | None, after: Iterable[tuple[float, bool]], complete: Callable[[], bool], cutoff: float
) -> bool:
    """Whether a stream shard's books hold every write made before ``cutoff``: its checkpoint took in a
    record written at or after it (records are in time order within a shard), or the records after
    the checkpoint (``after``, read lazily: creation time, whether it books) show none that books before
    it. When they run out before the cutoff, only ``complete`` (the probe read to the shard's end, or up
    to its newest record) settles the shard."""
    if through is not None and through >= cutoff:
        return True
    for created, books in after:
        if created >= cutoff:
            return True
        if books:
            return False
    return complete()


def settled(now: float, cutoff: float, shards: Iterable[bool]) -> bool:
    """A month closes once its cutoff has passed and every stream shard is settled for it."""
    return now >= cutoff and all(shards)
