"""API key items: found by the key's SHA-256, revocable by the key's public id."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from loyalty.store import keys
from loyalty.store.client import dynamodb, from_item, table_name, to_item


@dataclass(frozen=True)
class KeyRecord:
    key_id: str
    scope: str
    label: str
    created_at: str


def create(key_hash: str, key_id: str, scope: str, label: str, created_at: str) -> None:
    """The key item and its id pointer, together or not at all."""
    table = table_name()
    record = {"key_id": key_id, "scope": scope, "label": label, "created_at": created_at}
    items: list[Any] = [
        {
            "Put": {
                "TableName": table,
                "Item": to_item({**keys.api_key(key_hash), **record}),
                "ConditionExpression": "attribute_not_exists(PK)",
            }
        },
        {
            "Put": {
                "TableName": table,
                "Item": to_item({**keys.api_key_id(key_id), "key_hash": key_hash}),
                "ConditionExpression": "attribute_not_exists(PK)",
            }
        },
    ]
    dynamodb().transact_write_items(TransactItems=items)


def find(key_hash: str, *, consistent: bool = False) -> KeyRecord | None:
    """The key's item; ``consistent`` reads it strongly consistently (1 read unit instead of 0.5), so a
    revocation that has completed is seen at once (loyalty.services.api_keys.resolve)."""
    answer = dynamodb().get_item(TableName=table_name(), Key=to_item(keys.api_key(key_hash)), ConsistentRead=consistent)
    if "Item" not in answer:
        return None
    item = from_item(answer["Item"])
    return KeyRecord(str(item["key_id"]), str(item["scope"]), str(item["label"]), str(item.get("created_at", "")))


def revoke(key_id: str) -> bool:
    """Delete the key and its pointer; False when no such key (already revoked or never made)."""
    table = table_name()
    pointer = dynamodb().get_item(TableName=table, Key=to_item(keys.api_key_id(key_id)), ConsistentRead=True)
    if "Item" not in pointer:
        return False
    key_hash = str(from_item(pointer["Item"])["key_hash"])
    items: list[Any] = [
        {"Delete": {"TableName": table, "Key": to_item(keys.api_key(key_hash))}},
        {"Delete": {"TableName": table, "Key": to_item(keys.api_key_id(key_id))}},
    ]
    dynamodb().transact_write_items(TransactItems=items)
    return True
