"""What the books are built from, as the table holds it (loyalty.domain.stream_books says the rules).

- A member's write that books keeps its day, accounting shard and adds on a durable item the transaction
  writes anyway (``booked``: its ledger entry, put once; a new member's referral code; a takeover's merge
  entries; ``booked_m`` on an order whose points mature), or, for the writes that have none (a tier
  review, an expiry), on a ``BOOKED#<version>`` item of the member. The stream carries that item's
  record to the consumer, which takes the map in once: when the record's new image has it and its old
  image does not (the write that set it). The member item carries no books (its size prices every write
  of the member), and the stream keeps 24 hours: these same items are what ``rebuild`` reads.
- Per stream shard a checkpoint (``BOOKS#STREAM`` / shard id) holds the last record taken in (``seq``,
  compared as an integer), its creation time (``through``) and a ``ttl``; it moves in the transaction
  that adds the batch's books to the day items.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from loyalty.domain.bookings import Books
from loyalty.domain.stream_books import Adds, Booked, Step, adds
from loyalty.store import accounting, items, keys, transactions
from loyalty.store.client import Item, from_item, table_name, to_value
from loyalty.store.transactions import TxItem

DURABLE = "booked"  # on a durable item; "booked_<what>" when the item already carries one (an order)


def booked_adds(booked: Books) -> Adds:
    """The adds of what a change booked (nothing when it touches no day)."""
    if booked.day is None or not booked.touches_day:
        return {}
    return adds(booked.movement, booked.counters)


def durable(member_id: str, booked: Books) -> dict[str, Any] | None:
    """The map a durable item keeps of what a write booked: its day, accounting shard and adds."""
    found = booked_adds(booked)
    if booked.day is None or not found:
        return None
    return {"d": booked.day, "s": keys.shard_of(member_id), "a": found}


def keeping(item: TxItem, kept: Mapping[str, Any] | None, attribute: str = DURABLE) -> TxItem:
    """``item`` (a Put, or an Update whose expression begins with SET) that also keeps ``kept``."""
    if kept is None:
        return item
    request = dict(item.request)
    if "Put" in request:
        put = dict(request["Put"])
        put["Item"] = {**put["Item"], attribute: to_value(dict(kept))}
        request["Put"] = put
    else:
        update = dict(request["Update"])
        expression = str(update["UpdateExpression"])
        if not expression.startswith("SET "):
            raise ValueError("a durable record of the books goes on a Put or an Update that SETs")
        update["UpdateExpression"] = f"SET #kept = :kept, {expression[4:]}"
        update["ExpressionAttributeNames"] = {**update.get("ExpressionAttributeNames", {}), "#kept": attribute}
        values = update.get("ExpressionAttributeValues", {})
        update["ExpressionAttributeValues"] = {**values, ":kept": to_value(dict(kept))}
        request["Update"] = update
    return TxItem(item.role, request, item.explain)


def record_put(member_id: str, version: int, booked: Books) -> TxItem | None:
    """A ``BOOKED#<version>`` item of the member, for a write with no durable item of its own."""
    kept = durable(member_id, booked)
    if kept is None:
        return None
    return items.put_tx("books_record", {**keys.books_record(member_id, version), DURABLE: kept}, items.NEW)


# --- the stream side ---------------------------------------------------------------------------------


def is_kept(name: str) -> bool:
    """Whether an attribute of an item is a durable record of a write's books."""
    return name == DURABLE or name.startswith(DURABLE + "_")


def booked_in(record: Mapping[str, Any]) -> list[Booked]:
    """The books one stream record (as Lambda hands it) brings: each durable books map its new image has
    and its old image had not (the write that set it: a put of a new item, or an update that first sets
    the attribute). A later write of the same item (a refund of the order) brings none again."""
    change = record.get("dynamodb") or {}
    new_image = change.get("NewImage")
    if not new_image:
        return []
    old_image = change.get("OldImage") or {}
    found = []
    for name in sorted(new_image):
        if not is_kept(name) or name in old_image or "M" not in new_image[name]:
            continue
        kept = from_item({name: new_image[name]})[name]
        found.append(
            Booked(
                sequence(record),
                float(change.get("ApproximateCreationDateTime") or 0),
                int(kept["s"]),
                str(kept["d"]),
                dict(kept.get("a") or {}),
                str(change.get("SequenceNumber", "")),
            )
        )
    return found


def sequence(record: Mapping[str, Any]) -> int:
    return int((record.get("dynamodb") or {}).get("SequenceNumber", 0))


@dataclass(frozen=True)
class Checkpoint:
    shard: str
    sequence: int
    through: float
    label: str  # the sequence number as the stream writes it (a GetShardIterator takes it so)

    @classmethod
    def from_item(cls, item: Item) -> Checkpoint:
        return cls(str(item["SK"]), int(str(item["seq"])), float(item.get("through", 0)), str(item["seq"]))


def checkpoint(stream_shard: str) -> Checkpoint | None:
    return items.get(keys.books_checkpoint(stream_shard), Checkpoint.from_item)


def checkpoints() -> dict[str, Checkpoint]:
    """Every shard's checkpoint (one Query; shards gone from the stream leave theirs to the ``ttl``)."""
    request = items.query(keys.BOOKS_CHECKPOINTS, consistent=True)
    return {found.shard: found for found in map(Checkpoint.from_item, items.every(request))}


def apply(
    stream_shard: str, step: Step, read: Checkpoint | None, expires_at: int
) -> Literal["written", "moved", "contended"]:
    """One step's adds and the shard's checkpoint, in one transaction, only while the checkpoint is the
    one read (``moved``: another invocation moved it; ``contended``: another transaction held an item)."""
    writes = [accounting.day_add(shard, day, found) for (shard, day), found in step.items.items()]
    item = {
        **keys.books_checkpoint(stream_shard),
        # A string: sequence numbers may pass the 38 digits a DynamoDB number holds.
        "seq": step.label or str(step.last),
        "through": Decimal(str(step.through)),
        "ttl": expires_at,
    }
    return with_checkpoint(writes, item, read.label if read is not None else None)


def with_checkpoint(
    writes: list[TxItem], checkpoint: Item, read: str | None
) -> Literal["written", "moved", "contended"]:
    """``writes`` and a stream shard's new ``checkpoint`` item in one transaction, only while the stored
    checkpoint's ``seq`` is still ``read`` (None: there is none yet). Also the impact aggregates'
    (loyalty.store.impact)."""
    if read is None:
        writes.append(items.put_tx("checkpoint", checkpoint, items.NEW))
    else:
        writes.append(items.put_tx("checkpoint", checkpoint, "seq = :read", {":read": read}))
    result = transactions.run(writes)
    if result.written:
        return "written"
    if result.failed_role("checkpoint"):
        return "moved"
    return "contended"


# --- the rebuild -------------------------------------------------------------------------------------


def kept_books(item: Item) -> Iterator[tuple[int, str, Adds]]:
    """The books a durable item keeps (accounting shard, day, adds), one per write it records."""
    for name, value in item.items():
        if is_kept(name) and isinstance(value, dict):
            yield int(value["s"]), str(value["d"]), dict(value.get("a") or {})


def every_kept() -> Iterator[tuple[int, str, Adds]]:
    """Every write's books the table keeps (one Scan of the table, filtered: an operator's rebuild,
    never a request or a job, like the audit's)."""
    names = {"#b": DURABLE, "#m": f"{DURABLE}_m"}
    request: dict[str, Any] = {
        "TableName": table_name(),
        "FilterExpression": "attribute_exists(#b) OR attribute_exists(#m)",
        "ExpressionAttributeNames": names,
    }
    for page in items.scanned(request):
        for raw in page:
            yield from kept_books(from_item(raw))


def day_keys(before: str) -> set[tuple[int, str]]:
    """The accounting day items of days before ``before`` (one Query per shard, keys only)."""
    found: set[tuple[int, str]] = set()
    for shard in range(keys.DUE_SHARDS):
        request = items.query(
            keys.accounting_partition(shard),
            sort="SK BETWEEN :first AND :last",
            values={":first": keys.ACCOUNTING_DAY_PREFIX, ":last": keys.ACCOUNTING_DAY_PREFIX + before},
            ProjectionExpression="SK",
        )
        for item in items.every(request):
            day = str(item["SK"]).removeprefix(keys.ACCOUNTING_DAY_PREFIX)
            if day < before:
                found.add((shard, day))
    return found
