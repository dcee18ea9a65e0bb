"""A member's ledger entries, newest first, one Query per page."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

from loyalty.store import items, keys
from loyalty.store.client import dynamodb, from_item
from loyalty.store.entries import ActivityItem
from loyalty.store.orders import OrderRecord
from loyalty.store.redemptions import RedemptionRecord


def _activity(member_id: str, limit: int | None = None) -> dict[str, Any]:
    """The Query of a member's activity (GSI1), newest first."""
    return items.query(keys.activity_partition(member_id), index="GSI1", newest_first=True, limit=limit)


def page(member_id: str, limit: int, cursor: str | None) -> tuple[list[ActivityItem], str | None]:
    request = _activity(member_id, limit)
    if cursor:
        request["ExclusiveStartKey"] = decode_cursor(cursor, member_id)
    answer = dynamodb().query(**request)
    last = answer.get("LastEvaluatedKey")
    found = [ActivityItem.from_item(from_item(item)) for item in answer.get("Items", [])]
    return found, encode_cursor(last) if last else None


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
    for page_items in items.pages(_activity(member_id)):
        for item in page_items:
            found.entries.append(ActivityItem.from_item(item))
            if item.get("kind") == "earn":
                found.orders.append(OrderRecord.from_item(item))
            elif item.get("kind") == "redeem":
                found.redemptions.append(RedemptionRecord.from_item(item))
    return found


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
