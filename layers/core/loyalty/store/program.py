"""The program configuration item: the validated document, stored whole."""

from __future__ import annotations

from loyalty.store import keys
from loyalty.store.client import dynamodb, from_item, table_name, to_item


def read() -> str | None:
    """The stored program as JSON text, or None before one is configured."""
    answer = dynamodb().get_item(TableName=table_name(), Key=to_item(keys.program()), ConsistentRead=True)
    return str(from_item(answer["Item"])["document"]) if "Item" in answer else None


def write(document: str, updated_at: str) -> None:
    dynamodb().put_item(
        TableName=table_name(),
        Item=to_item({**keys.program(), "document": document, "updated_at": updated_at}),
    )
