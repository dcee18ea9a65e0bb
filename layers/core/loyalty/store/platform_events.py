"""Platform events that could not be applied when they came: refunds held for their order, failures.

One item per event, under its order (``HELD#<order_id>``, SK ``EVENT#<event_id>``), so the order's
accrual finds what waits for it with one strongly consistent Query of that key; a locator
(``PEVENT#<connection>#<event_id>``) written once beside it lets the admin routes name an event. The
item's status is the only thing that changes, each time under a condition on the status it was read
in; GSI1 lists a connection's events by status (``PEVENTS#<connection>#<status>``, newest first) and,
while an event is held, GSI2 has it on the day it fails (``DUE#HELD#<shard>``), for the daily job.

Nothing here is personal: platform ids, SKUs, quantities and amounts only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from botocore.exceptions import ClientError

from loyalty.store import cursors, items, keys
from loyalty.store.client import Item, dynamodb

Status = Literal["held", "failed", "applied", "skipped", "dismissed"]
OPEN: frozenset[str] = frozenset({"held", "failed"})
DUE_KIND = "HELD"
DUE_INDEX = keys.DUE_INDEX[DUE_KIND]
# Settled events leave the table after this long (the ledger keeps what was applied).
SETTLED_TTL_SECONDS = 90 * 86400


@dataclass(frozen=True)
class EventRecord:
    connection_id: str
    event_id: str  # the platform's refund id, as we name it (``shopify:<id>``)
    order_id: str
    platform: str
    topic: str
    kind: str  # "refund" (a cancellation or a return comes as one)
    request: str  # the mapped RefundRequest, as JSON: what a retry applies
    status: Status
    reason: str | None
    received_at: str
    updated_at: str
    attempts: int
    fail_on: str | None  # the day a held event fails when its order has not come
    given: str | None = None  # what the platform said the refund gave back (PlatformRefund, as JSON)

    def to_item(self) -> Item:
        item: Item = {
            **keys.held_event(self.order_id, self.event_id),
            **items.attributes(self),
            **_listed(self.connection_id, self.status, self.updated_at, self.event_id),
        }
        if self.status == "held" and self.fail_on:
            item.update(keys.due(DUE_KIND, self.order_id, self.fail_on))
        return item

    @classmethod
    def from_item(cls, item: Item) -> EventRecord:
        return items.build(cls, item, attempts=int(item.get("attempts", 0)))


def _listed(connection_id: str, status: str, updated_at: str, event_id: str) -> Item:
    return {"GSI1PK": keys.platform_events(connection_id, status), "GSI1SK": f"{updated_at}#{event_id}"}


def put_new(record: EventRecord) -> bool:
    """Write the event unless it is known already (a platform's redelivery), and its locator (the same
    for every delivery: the refund id names its order); True when this call wrote the event."""
    locator = {**keys.platform_event(record.connection_id, record.event_id), "order_id": record.order_id}
    writes = [items.put_tx("event", record.to_item(), items.NEW), items.put_tx("locator", locator)]
    try:
        dynamodb().transact_write_items(TransactItems=[write.request for write in writes])  # type: ignore[misc]
    except ClientError as error:
        reasons = error.response.get("CancellationReasons", [])
        if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
            return False
        raise  # a conflict or a throttle: the queue record fails and is delivered again
    return True


def get(order_id: str, event_id: str) -> EventRecord | None:
    return items.get(keys.held_event(order_id, event_id), EventRecord.from_item)


def locate(connection_id: str, event_id: str) -> EventRecord | None:
    """The event an admin names, or None (unknown, or another connection's)."""
    order_id = items.get(keys.platform_event(connection_id, event_id), lambda item: str(item["order_id"]))
    found = get(order_id, event_id) if order_id is not None else None
    return found if found is not None and found.connection_id == connection_id else None


def of_order(order_id: str) -> tuple[list[EventRecord], str | None]:
    """(the order's events, why the order credits nobody or None): one strongly consistent Query."""
    events: list[EventRecord] = []
    not_credited: str | None = None
    for item in items.first_page(items.query(keys.held_partition(order_id), consistent=True)):
        if item["SK"] == keys.HELD_ORDER:
            not_credited = str(item["reason"])
        else:
            events.append(EventRecord.from_item(item))
    return events, not_credited


def not_credited(order_id: str) -> str | None:
    return items.get(keys.held_order(order_id), lambda item: str(item["reason"]))


def mark_not_credited(order_id: str, reason: str, expires_at: int) -> None:
    """The order came and credits nobody; kept (``ttl``) as long as a refund of it may still come."""
    items.put({**keys.held_order(order_id), "reason": reason, "ttl": expires_at})


def settle(
    record: EventRecord, status: Status, reason: str | None, now: str, expect: frozenset[str], attempted: bool
) -> bool:
    """Move the event to ``status`` if it is still in one of ``expect``; False when someone moved it
    first. Out of the due index unless held; settled ones expire after SETTLED_TTL_SECONDS."""
    listed = _listed(record.connection_id, status, now, record.event_id)
    marks: dict[str, Any] = {
        **{"#status": "status", "#reason": "reason", "#gpk": "GSI1PK", "#gsk": "GSI1SK", "#ttl": "ttl"},
        ":status": status,
        ":now": now,
        ":gpk": listed["GSI1PK"],
        ":gsk": listed["GSI1SK"],
        ":one": 1 if attempted else 0,
    }
    sets = "#status = :status, updated_at = :now, #gpk = :gpk, #gsk = :gsk"
    removes = []
    if reason is None:
        removes.append("#reason")
    else:
        sets += ", #reason = :reason"
        marks[":reason"] = reason
    if status != "held":
        marks.update({"#dpk": f"{DUE_INDEX}PK", "#dsk": f"{DUE_INDEX}SK"})
        removes += ["#dpk", "#dsk"]
    if status in OPEN:
        removes.append("#ttl")
    else:
        sets += ", #ttl = :ttl"
        marks[":ttl"] = _epoch(now) + SETTLED_TTL_SECONDS
    expected = sorted(expect)
    condition = "#status IN (" + ", ".join(f":e{n}" for n in range(len(expected))) + ")"
    marks.update({f":e{n}": value for n, value in enumerate(expected)})
    expression = f"SET {sets} ADD attempts :one" + (f" REMOVE {', '.join(removes)}" if removes else "")
    key = keys.held_event(record.order_id, record.event_id)
    return items.update(key, expression, condition, marks).written


def _epoch(moment: str) -> int:
    return int(datetime.fromisoformat(moment).timestamp())


CURSOR_KEYS = frozenset({"PK", "SK", "GSI1PK", "GSI1SK"})


def page(connection_id: str, status: str, limit: int, cursor: str | None) -> tuple[list[EventRecord], str | None]:
    """One page of a connection's events in ``status``, newest first. ValueError (cursors.NOT_OURS) for
    a cursor that is not one of ours for this list."""
    partition = keys.platform_events(connection_id, status)

    def fits(key: dict[str, str]) -> bool:
        return key["GSI1PK"] == partition and key["PK"].startswith("HELD#")

    request = items.query(partition, index="GSI1", newest_first=True, limit=limit)
    found, next_cursor = cursors.page(request, cursor, CURSOR_KEYS, fits)
    return [EventRecord.from_item(item) for item in found], next_cursor
