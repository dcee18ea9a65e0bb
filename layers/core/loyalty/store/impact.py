"""The impact aggregates as the table holds them (loyalty.domain.impact says the rules), and which stream
records feed them.

- ``IMPACT#AGG`` / ``<id>``: the aggregates (``G/<YYYY-MM>/<group>``, ``C/<cohort>``, ``L``), updated
  with ``ADD`` by the stream's consumer only. A report reads them with one Query of this partition:
  bounded by the months the program has run, never by its members.
- ``IMPACT#C#<customer>`` / ``<YYYY-MM>``: a customer's month (``r`` revenue, ``o`` orders), put by the
  consumer on the condition that it is still as read; a ``ttl`` 14 months after the month starts (a
  refund later than that moves its group's revenue but finds no value to move the squares from).
- ``IMPACT#STREAM`` / ``<shardId>``: each stream shard's checkpoint, moved in the same transaction.
- ``GUEST#<order_id>`` / ``GUEST``: a non-member's order (``h`` the keyed hash of the customer, ``m``
  its month in the program's timezone, ``total`` minor units, ``currency``, ``placed_at``).

The records read: a member profile's insert (its cohort, and its enrollment month as last activity) and
its modifications that move ``last_order_on`` to another month; an order item's insert (``grp``: "h"
for a holdout member, ``ec``: the member's enrollment month) and its refunds (``refunded_share``
growing: the order's month gives back that share of its ``net_total``); a guest order's insert.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal

from loyalty.domain.impact import LAST_ID, Counts, Fact, Record, Step, cohort_id
from loyalty.store import items, member_record, stream_books
from loyalty.store.client import Item, dynamodb, from_item, table_name, to_item

AGGREGATES = "IMPACT#AGG"
CHECKPOINTS = "IMPACT#STREAM"
CUSTOMER_PREFIX = "IMPACT#C#"
GUEST_PREFIX = "GUEST#"
CUSTOMER_TTL_MONTHS = 14


def aggregate_key(aggregate: str) -> dict[str, str]:
    return {"PK": AGGREGATES, "SK": aggregate}


def customer_key(customer: str, month: str) -> dict[str, str]:
    return {"PK": f"{CUSTOMER_PREFIX}{customer}", "SK": month}


def checkpoint_key(stream_shard: str) -> dict[str, str]:
    return {"PK": CHECKPOINTS, "SK": stream_shard}


def guest_key(order_id: str) -> dict[str, str]:
    return {"PK": f"{GUEST_PREFIX}{order_id}", "SK": "GUEST"}


# --- the stream side ---------------------------------------------------------------------------------


def _month(text: object) -> str | None:
    return str(text)[:7] if text else None


def _minor(value: object) -> Fraction:
    return Fraction(str(value)) if value is not None else Fraction(0)


def record_of(record: Mapping[str, Any]) -> Record:
    """What one stream record (as Lambda hands it) moves (nothing, for most)."""
    change = record.get("dynamodb") or {}
    sequence = int(change.get("SequenceNumber", 0))
    created = float(change.get("ApproximateCreationDateTime") or 0)
    label = str(change.get("SequenceNumber", ""))
    raw_new, raw_old = change.get("NewImage"), change.get("OldImage")
    if not raw_new:
        return Record(sequence, created, label)
    new = _read(raw_new)
    old = _read(raw_old) if raw_old else None
    facts: tuple[Fact, ...] = ()
    counts: dict[str, Counts] = {}
    pk, sk = str(new.get("PK", "")), str(new.get("SK", ""))
    if pk.startswith("MEMBER#") and sk == "PROFILE":
        counts = _member_counts(new, old)
    elif pk.startswith("ORDER#") and sk == "ORDER":
        facts = _order_facts(new, old)
    elif pk.startswith(GUEST_PREFIX) and old is None:
        facts = (Fact(f"n:{new['h']}", "n", str(new["m"]), int(new["total"]), 1),)
    return Record(sequence, created, label, facts, counts)


# The attributes read from an image (only these: a stream image may hold values, such as binary ones,
# in a shape the boto3 deserializer refuses, and the rest is not needed).
READ = frozenset(
    {
        "PK",
        "SK",
        "enrolled_at",
        "last_order_on",
        member_record.COLD,
        "grp",
        "member_id",
        "earned_day",
        "net_total",
        "points",
        "ec",
        "refunded_share",
        "h",
        "m",
        "total",
    }
)


def _read(image: Mapping[str, Any]) -> Item:
    item = from_item({name: value for name, value in image.items() if name in READ})
    # A member profile keeps these two among its packed cold fields (an aggregate's ``c`` is a count).
    if member_record.COLD in item and item.get("SK") == "PROFILE":
        cold = member_record.cold_fields(item)
        item.update({name: cold.get(name) for name in ("enrolled_at", "last_order_on")})
    return item


def _last_month(member: Item) -> str | None:
    return _month(member.get("last_order_on")) or _month(member.get("enrolled_at"))


def _member_counts(new: Item, old: Item | None) -> dict[str, Counts]:
    if old is None:
        cohort = _month(new.get("enrolled_at"))
        if cohort is None:
            return {}
        holdout = {"nh": 1} if new.get("grp") == "h" else {}
        return {cohort_id(cohort): {"n": 1, **holdout}, LAST_ID: {f"m{cohort}": 1}}
    counts: dict[str, Counts] = {}
    cohort = _month(new.get("enrolled_at"))
    # Drawn at enrollment, so normally on the insert; a later write of it moves the cohort's count.
    moved = (new.get("grp") == "h") - (old.get("grp") == "h")
    if moved and cohort is not None:
        counts[cohort_id(cohort)] = {"nh": moved}
    before, after = _last_month(old), _last_month(new)
    if before != after and before is not None and after is not None:
        counts[LAST_ID] = {f"m{before}": -1, f"m{after}": 1}
    return counts


def _order_facts(new: Item, old: Item | None) -> tuple[Fact, ...]:
    member, month = str(new.get("member_id", "")), _month(new.get("earned_day"))
    if not member or month is None:
        return ()
    group = "h" if new.get("grp") == "h" else "t"
    net = _minor(new.get("net_total"))
    if old is None:
        cohort = _month(new.get("ec"))
        return (Fact(member, group, month, round(net), 1, int(new.get("points", 0)), cohort),)
    # A refund: the order's month gives back the share of its revenue refunded since (rounded as the
    # shares add up, so the refunds of an order give back exactly its rounded revenue).
    was, now = _minor(old.get("refunded_share", 0)), _minor(new.get("refunded_share", 0))
    back = round(net * now) - round(net * was)
    return (Fact(member, group, month, -back, 0),) if back else ()


def record_of_item(raw: Mapping[str, Any], sequence: int) -> Record:
    """What an item as it stands (a Scan's, in DynamoDB's JSON) brought through the stream from its insert
    and every change since: a profile its cohort and its last month, an order its revenue less what
    was refunded of it, a non-member's order itself (loyalty.services.impact_rebuild)."""
    item = _read(raw)
    pk, sk = str(item.get("PK", "")), str(item.get("SK", ""))
    label = str(sequence)
    if pk.startswith("MEMBER#") and sk == "PROFILE":
        counts = _member_counts(item, None)
        last = _last_month(item)
        if counts and last is not None:
            counts[LAST_ID] = {f"m{last}": 1}
        return Record(sequence, 0.0, label, (), counts)
    if pk.startswith("ORDER#") and sk == "ORDER":
        placed = {name: value for name, value in item.items() if name != "refunded_share"}
        return Record(sequence, 0.0, label, _order_facts(placed, None) + _order_facts(item, placed))
    if pk.startswith(GUEST_PREFIX):
        return Record(sequence, 0.0, label, (Fact(f"n:{item['h']}", "n", str(item["m"]), int(item["total"]), 1),))
    return Record(sequence, 0.0, label)


def records(event: Mapping[str, Any]) -> list[Record]:
    return [record_of(record) for record in event.get("Records") or []]


def values(keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], tuple[int, int]]:
    """The customers' months as they stand (strongly consistent; absent ones are left out)."""
    wanted = sorted(set(keys))
    found: dict[tuple[str, str], tuple[int, int]] = {}
    for start in range(0, len(wanted), 100):
        request: dict[str, Any] = {
            table_name(): {
                "Keys": [to_item(customer_key(c, m)) for c, m in wanted[start : start + 100]],
                "ConsistentRead": True,
            }
        }
        while request:
            answer = dynamodb().batch_get_item(RequestItems=request)
            for raw in answer.get("Responses", {}).get(table_name(), []):
                item = from_item(raw)
                customer = str(item["PK"]).removeprefix(CUSTOMER_PREFIX)
                found[(customer, str(item["SK"]))] = (int(item.get("r", 0)), int(item.get("o", 0)))
            request = dict(answer.get("UnprocessedKeys") or {})
    return found


def expires(month: str) -> int:
    index = int(month[:4]) * 12 + int(month[5:7]) - 1 + CUSTOMER_TTL_MONTHS
    return int(datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC).timestamp())


def apply(stream_shard: str, step: Step, read: str | None, expires_at: int) -> Literal["written", "moved", "contended"]:
    """One step in one transaction: its customers' months (each only while still as read), its adds,
    and the shard's checkpoint (only while still ``read``, the label of the one read)."""
    writes = []
    for (customer, month), ((was_r, was_o), (now_r, now_o)) in sorted(step.customers.items()):
        item = {**customer_key(customer, month), "r": now_r, "o": now_o, "ttl": expires(month)}
        if was_r == 0 and was_o == 0:
            condition, marks = "attribute_not_exists(PK) OR (r = :r AND o = :o)", {":r": 0, ":o": 0}
        else:
            condition, marks = "r = :r AND o = :o", {":r": was_r, ":o": was_o}
        writes.append(items.put_tx("customer", item, condition, marks))
    for aggregate, adds in sorted(step.adds.items()):
        expression, marks = items.each("ADD", adds)
        writes.append(items.update_tx("aggregate", aggregate_key(aggregate), expression, None, marks))
    checkpoint = {**checkpoint_key(stream_shard), "seq": step.label or str(step.last), "ttl": expires_at}
    checkpoint["through"] = Decimal(str(step.through))
    return stream_books.with_checkpoint(writes, checkpoint, read)


def checkpoint(stream_shard: str) -> str | None:
    """The label of the last record the shard's checkpoint took in (None: none yet)."""
    return items.get(checkpoint_key(stream_shard), lambda item: str(item["seq"]))


def checkpoints() -> dict[str, str]:
    """Every shard's checkpoint label (one Query, strongly consistent)."""
    request = items.query(CHECKPOINTS, consistent=True)
    return {str(item["SK"]): str(item["seq"]) for item in items.every(request)}


# --- the reports' side -------------------------------------------------------------------------------


def aggregates(first: str | None = None, last: str = "\uffff") -> dict[str, dict[str, int]]:
    """Every aggregate whose id sorts from ``first`` to ``last`` (all without ``first``): one Query,
    more pages only past 1 MB."""
    if first is None:
        request = items.query(AGGREGATES)
    else:
        request = items.query(AGGREGATES, sort="SK BETWEEN :first AND :last", values={":first": first, ":last": last})
    return {
        str(item["SK"]): {name: int(value) for name, value in item.items() if name not in ("PK", "SK")}
        for item in items.every(request)
    }


def put_guest_order(item: Item) -> bool:
    """A non-member's order, once (False: that order id is taken)."""
    return items.put(item, items.NEW).written


def guest_order(order_id: str) -> Item | None:
    return items.get(guest_key(order_id), lambda item: item)
