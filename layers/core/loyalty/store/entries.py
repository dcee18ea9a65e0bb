"""Reading one ledger entry item by its key (adjustments, cancellations, expiries)."""

from __future__ import annotations

from loyalty.store.client import Item, dynamodb, from_item, table_name, to_item


def get(key: dict[str, str]) -> Item | None:
    answer = dynamodb().get_item(TableName=table_name(), Key=to_item(key), ConsistentRead=True)
    return from_item(answer["Item"]) if "Item" in answer else None
