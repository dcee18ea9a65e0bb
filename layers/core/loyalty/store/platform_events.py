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

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from botocore.exceptions import ClientError

from loyalty.store import keys
from loyalty.store.client import Item, condition_failed, dynamodb, from_item, table_name, to_item, to_value

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
            "connection_id": self.connection_id,
            "event_id": self.event_id,
            "order_id": self.order_id,
            "platform": self.platform,
            "topic": self.topic,
            "kind": self.kind,
            "request": self.request,
            "status": self.status,
            "reason": self.reason,
            "received_at": self.received_at,
            "updated_at": self.updated_at,
            "attempts": self.attempts,
            "fail_on": self.fail_on,
            "given": self.given,
            **_listed(self.connection_id, self.status, self.updated_at, self.event_id),
        }
        if self.status == "held" and self.fail_on:
            item.update(keys.due(DUE_KIND, self.order_id, self.fail_on))
        return item

    @classmethod
    def from_item(cls, item: Item) -> EventRecord:
        return cls(
            connection_id=str(item["connection_id"]),
            event_id=str(item["event_id"]),
            order_id=str(item["order_id"]),
            platform=str(item["platform"]),
            topic=str(item["topic"]),
            kind=str(item["kind"]),
            request=str(item["request"]),
            status=item["status"],
            reason=item.get("reason"),
            received_at=str(item["received_at"]),
            updated_at=str(item["updated_at"]),
            attempts=int(item.get("attempts", 0)),
            fail_on=item.get("fail_on"),
            given=item.get("given"),
        )


def _listed(connection_id: str, status: str, updated_at: str, event_id: str) -> Item:
    return {"GSI1PK": keys.platform_events(connection_id, status), "GSI1SK": f"{updated_at}#{event_id}"}


def put_new(record: EventRecord) -> bool:
    """Write the event unless it is known already (a platform's redelivery), and its locator (the same
    for every delivery: the refund id names its order); True when this call wrote the event."""
    try:
        dynamodb().transact_write_items(
            TransactItems=[
                {
                    "Put": {
                        "TableName": table_name(),
                        "Item": to_item(record.to_item()),
                        "ConditionExpression": "attribute_not_exists(PK)",
                    }
                },
                {
                    "Put": {
                        "TableName": table_name(),
                        "Item": to_item(
                            {**keys.platform_event(record.connection_id, record.event_id), "order_id": record.order_id}
                        ),
                    }
                },
            ]
        )
    except ClientError as error:
        reasons = error.response.get("CancellationReasons", [])
        if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
            return False
        raise  # a conflict or a throttle: the queue record fails and is delivered again
    return True


def get(order_id: str, event_id: str) -> EventRecord | None:
    answer = dynamodb().get_item(
        TableName=table_name(), Key=to_item(keys.held_event(order_id, event_id)), ConsistentRead=True
    )
    return EventRecord.from_item(from_item(answer["Item"])) if "Item" in answer else None


def locate(connection_id: str, event_id: str) -> EventRecord | None:
    """The event an admin names, or None (unknown, or another connection's)."""
    answer = dynamodb().get_item(
        TableName=table_name(), Key=to_item(keys.platform_event(connection_id, event_id)), ConsistentRead=True
    )
    if "Item" not in answer:
        return None
    found = get(str(from_item(answer["Item"])["order_id"]), event_id)
    return found if found is not None and found.connection_id == connection_id else None


def of_order(order_id: str) -> tuple[list[EventRecord], str | None]:
    """(the order's events, why the order credits nobody or None): one strongly consistent Query."""
    answer = dynamodb().query(
        TableName=table_name(),
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": to_value(keys.held_partition(order_id))},
        ConsistentRead=True,
    )
    events: list[EventRecord] = []
    not_credited: str | None = None
    for raw in answer.get("Items", []):
        item = from_item(raw)
        if item["SK"] == keys.HELD_ORDER:
            not_credited = str(item["reason"])
        else:
            events.append(EventRecord.from_item(item))
    return events, not_credited


def not_credited(order_id: str) -> str | None:
    answer = dynamodb().get_item(TableName=table_name(), Key=to_item(keys.held_order(order_id)), ConsistentRead=True)
    return str(from_item(answer["Item"])["reason"]) if "Item" in answer else None


def mark_not_credited(order_id: str, reason: str, expires_at: int) -> None:
    """The order came and credits nobody; kept (``ttl``) as long as a refund of it may still come."""
    dynamodb().put_item(
        TableName=table_name(),
        Item=to_item({**keys.held_order(order_id), "reason": reason, "ttl": expires_at}),
    )


def settle(
    record: EventRecord, status: Status, reason: str | None, now: str, expect: frozenset[str], attempted: bool
) -> bool:
    """Move the event to ``status`` if it is still in one of ``expect``; False when someone moved it
    first. Out of the due index unless held; settled ones expire after SETTLED_TTL_SECONDS."""
    names = {"#status": "status", "#reason": "reason", "#gpk": "GSI1PK", "#gsk": "GSI1SK"}
    listed = _listed(record.connection_id, status, now, record.event_id)
    values: dict[str, Any] = {
        ":status": to_value(status),
        ":now": to_value(now),
        ":gpk": to_value(listed["GSI1PK"]),
        ":gsk": to_value(listed["GSI1SK"]),
        ":one": to_value(1 if attempted else 0),
    }
    sets = "#status = :status, updated_at = :now, #gpk = :gpk, #gsk = :gsk"
    removes = []
    if reason is None:
        removes.append("#reason")
    else:
        sets += ", #reason = :reason"
        values[":reason"] = to_value(reason)
    if status != "held":
        names.update({"#dpk": f"{DUE_INDEX}PK", "#dsk": f"{DUE_INDEX}SK"})
        removes += ["#dpk", "#dsk"]
    if status in OPEN:
        removes.append("#ttl")
        names["#ttl"] = "ttl"
    else:
        sets += ", #ttl = :ttl"
        names["#ttl"] = "ttl"
        values[":ttl"] = to_value(_epoch(now) + SETTLED_TTL_SECONDS)
    expected = sorted(expect)
    condition = "#status IN (" + ", ".join(f":e{n}" for n in range(len(expected))) + ")"
    values.update({f":e{n}": to_value(value) for n, value in enumerate(expected)})
    expression = f"SET {sets} ADD attempts :one" + (f" REMOVE {', '.join(removes)}" if removes else "")
    try:
        dynamodb().update_item(
            TableName=table_name(),
            Key=to_item(keys.held_event(record.order_id, record.event_id)),
            UpdateExpression=expression,
            ConditionExpression=condition,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )
    except ClientError as error:
        if not condition_failed(error):
            raise
        return False
    return True


def _epoch(moment: str) -> int:
    return int(datetime.fromisoformat(moment).timestamp())


def page(connection_id: str, status: str, limit: int, cursor: str | None) -> tuple[list[EventRecord], str | None]:
    """One page of a connection's events in ``status``, newest first. ValueError for a cursor that is
    not one of ours for this list."""
    partition = keys.platform_events(connection_id, status)
    request: dict[str, Any] = {
        "TableName": table_name(),
        "IndexName": "GSI1",
        "KeyConditionExpression": "GSI1PK = :pk",
        "ExpressionAttributeValues": {":pk": to_value(partition)},
        "ScanIndexForward": False,
        "Limit": limit,
    }
    if cursor:
        request["ExclusiveStartKey"] = _start_key(cursor, partition)
    answer = dynamodb().query(**request)
    records = [EventRecord.from_item(from_item(raw)) for raw in answer.get("Items", [])]
    return records, _cursor(answer.get("LastEvaluatedKey"))


CURSOR_KEYS = {"PK", "SK", "GSI1PK", "GSI1SK"}


def _cursor(last_key: dict[str, Any] | None) -> str | None:
    if not last_key:
        return None
    plain = {name: value["S"] for name, value in last_key.items()}
    return base64.urlsafe_b64encode(json.dumps(plain, separators=(",", ":")).encode()).decode()


def _start_key(cursor: str, partition: str) -> dict[str, Any]:
    try:
        plain = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, UnicodeDecodeError) as error:
        raise ValueError("cursor is not valid") from error
    if (
        not isinstance(plain, dict)
        or set(plain) != CURSOR_KEYS
        or plain["GSI1PK"] != partition
        or not all(isinstance(value, str) for value in plain.values())
        or not str(plain["PK"]).startswith("HELD#")
    ):
        raise ValueError("cursor is not valid")
    return {name: {"S": value} for name, value in plain.items()}
