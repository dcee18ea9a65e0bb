"""A member's orders whose points are still pending, newest first, read from its activity index (an
order item is its ``earn`` entry, and the index projects every attribute)."""

from __future__ import annotations

from typing import Any

from loyalty.store import keys
from loyalty.store.client import dynamodb, from_item, table_name, to_value
from loyalty.store.orders import OrderRecord


def pending(member_id: str, total: int) -> list[OrderRecord]:
    """The orders that hold the member's ``total`` pending points. Pending orders are its newest (points
    wait ``pending_days`` at most), so the Query reads newest first and stops once they add up to
    ``total``: for a member with nothing pending it is never called (GET /v1/me/balance then makes its
    one Query of the lots and nothing else)."""
    request: dict[str, Any] = {
        "TableName": table_name(),
        "IndexName": "GSI1",
        "KeyConditionExpression": "GSI1PK = :pk",
        "FilterExpression": "#kind = :earn AND #status = :pending AND pending_left > :zero",
        "ExpressionAttributeNames": {"#kind": "kind", "#status": "status"},
        "ExpressionAttributeValues": {
            ":pk": to_value(keys.activity_partition(member_id)),
            ":earn": to_value("earn"),
            ":pending": to_value("pending"),
            ":zero": to_value(0),
        },
        "ScanIndexForward": False,
    }
    found: list[OrderRecord] = []
    held = 0
    while held < total:
        answer = dynamodb().query(**request)
        for raw in answer.get("Items", []):
            order = OrderRecord.from_item(from_item(raw))
            found.append(order)
            held += order.pending_left
        start = answer.get("LastEvaluatedKey")
        if start is None:
            break
        request["ExclusiveStartKey"] = start
    return found
