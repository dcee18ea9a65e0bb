"""Reward items and the catalog listing (GSI1 partition CATALOG)."""

from __future__ import annotations

from typing import Any

from loyalty.store import keys
from loyalty.store.client import Item, dynamodb, from_item, table_name, to_item, to_value


def put(reward_id: str, fields: Item) -> bool:
    """Create or replace a reward; True when it is new. One PutItem: ALL_OLD tells which."""
    answer = dynamodb().put_item(
        TableName=table_name(),
        Item=to_item({**keys.reward(reward_id), **keys.catalog_entry(reward_id), "reward_id": reward_id, **fields}),
        ReturnValues="ALL_OLD",
    )
    return "Attributes" not in answer


def get(reward_id: str) -> Item | None:
    answer = dynamodb().get_item(TableName=table_name(), Key=to_item(keys.reward(reward_id)), ConsistentRead=True)
    return from_item(answer["Item"]) if "Item" in answer else None


def catalog_page(after: str | None, limit: int) -> tuple[list[Item], str | None]:
    """Rewards in id order after ``after``; the id of the last one read when more may follow."""
    request: dict[str, Any] = {
        "TableName": table_name(),
        "IndexName": "GSI1",
        "KeyConditionExpression": "GSI1PK = :catalog" + (" AND GSI1SK > :after" if after else ""),
        "ExpressionAttributeValues": {":catalog": to_value(keys.CATALOG)},
        "Limit": limit,
    }
    if after:
        request["ExpressionAttributeValues"][":after"] = to_value(after)
    answer = dynamodb().query(**request)
    items = [from_item(item) for item in answer.get("Items", [])]
    more = "LastEvaluatedKey" in answer and items
    return items, (str(items[-1]["reward_id"]) if more else None)
