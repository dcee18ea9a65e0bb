"""A member's ledger entries, newest first, one Query per page."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

from loyalty.store import keys
from loyalty.store.client import dynamodb, from_item, table_name, to_value
from loyalty.store.entries import ActivityItem
from loyalty.store.orders import OrderRecord
from loyalty.store.redemptions import RedemptionRecord


def page(member_id: str, limit: int, cursor: str | None) -> tuple[list[ActivityItem], str | None]:
    request: dict[str, Any] = {
        "TableName": table_name(),
        "IndexName": "GSI1",
        "KeyConditionExpression": "GSI1PK = :pk",
        "ExpressionAttributeValues": {":pk": to_value(keys.activity_partition(member_id))},
        "ScanIndexForward": False,
        "Limit": limit,
    }
    if cursor:
        request["ExclusiveStartKey"] = decode_cursor(cursor, member_id)
    answer = dynamodb().query(**request)
    last = answer.get("LastEvaluatedKey")
    items = [ActivityItem.from_item(from_item(item)) for item in answer.get("Items", [])]
    return items, encode_cursor(last) if last else None


@dataclass(frozen=True)
class History:
    """Everything a member's activity index holds, newest first: every entry, and among them the
    member's orders (an order item is its earn entry) and redemptions (a redemption item is its redeem
    entry), read whole, as the index projects every attribute."""

    entries: list[ActivityItem] = field(default_factory=list)
    orders: list[OrderRecord] = field(default_factory=list)
    redemptions: list[RedemptionRecord] = field(default_factory=list)


def history(member_id: str) -> History:
    """The member's whole activity, every page of one Query (an export: no paging for the client)."""
    found = History()
    request: dict[str, Any] = {
        "TableName": table_name(),
        "IndexName": "GSI1",
        "KeyConditionExpression": "GSI1PK = :pk",
        "ExpressionAttributeValues": {":pk": to_value(keys.activity_partition(member_id))},
        "ScanIndexForward": False,
    }
    while True:
        answer = dynamodb().query(**request)
        for raw in answer.get("Items", []):
            item = from_item(raw)
            found.entries.append(ActivityItem.from_item(item))
            if item.get("kind") == "earn":
                found.orders.append(OrderRecord.from_item(item))
            elif item.get("kind") == "redeem":
                found.redemptions.append(RedemptionRecord.from_item(item))
        start = answer.get("LastEvaluatedKey")
        if start is None:
            return found
        request["ExclusiveStartKey"] = start


def encode_cursor(key: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, member_id: str) -> dict[str, Any]:
    """The cursor is opaque to clients; a tampered one or one from another member is refused."""
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, json.JSONDecodeError) as error:
        raise ValueError("invalid cursor") from error
    if not isinstance(key, dict) or key.get("GSI1PK") != {"S": keys.activity_partition(member_id)}:
        raise ValueError("invalid cursor")
    return key
