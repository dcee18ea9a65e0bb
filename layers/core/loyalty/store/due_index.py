"""Reading the due-work indexes: one shard's range of days, page by page.

Each index (GSI2 maturing orders; GSI3 dormancy checks, GSI4 tier reviews, GSI5 expiries and GSI6
expiry reminders on member profiles) is partitioned ``DUE#<kind>#<shard>`` and sorted by the day the
work is due. A run reads every day up to its own with one range per shard: however many runs were
missed, it finds everything due and nothing that is not. Settling an item moves its day on (or takes it
out) in the same write, so a range that was worked through reads empty the next time.

Index reads are eventually consistent: every settling write is conditioned on what was read, and a job
reads the item itself (strongly consistent) before it decides anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from loyalty.store import keys
from loyalty.store.client import Item, dynamodb, from_item, table_name, to_value

PAGE_SIZE = 100


@dataclass(frozen=True)
class DueItem:
    """An index entry: whose item it is (the member, or the order), and the day it was found at."""

    key: dict[str, str]  # PK, SK of the item
    day: date
    attributes: Item  # what the index projects (the maturing index: the order's pending state)

    @property
    def member_id(self) -> str:
        return (
            keys.member_id_of(self.key["PK"])
            if self.key["PK"].startswith("MEMBER#")
            else str(self.attributes.get("member_id", ""))
        )


@dataclass(frozen=True)
class Page:
    items: list[DueItem]
    next_start: dict[str, Any] | None  # the raw LastEvaluatedKey, None when the range is done


def page(kind: str, shard: int, through: date, start: dict[str, Any] | None, limit: int | None = None) -> Page:
    """Up to ``limit`` entries of ``kind`` due on or before ``through`` in one shard, oldest first."""
    index = keys.DUE_INDEX[kind]
    request: dict[str, Any] = {
        "TableName": table_name(),
        "IndexName": index,
        "KeyConditionExpression": "#pk = :pk AND #sk <= :through",
        "ExpressionAttributeNames": {"#pk": f"{index}PK", "#sk": f"{index}SK"},
        "ExpressionAttributeValues": {
            ":pk": to_value(keys.due_partition(kind, shard)),
            ":through": to_value(through.isoformat()),
        },
        "Limit": limit or PAGE_SIZE,
    }
    if start:
        request["ExclusiveStartKey"] = start
    answer = dynamodb().query(**request)
    items = []
    for raw in answer.get("Items", []):
        item = from_item(raw)
        items.append(
            DueItem({"PK": str(item["PK"]), "SK": str(item["SK"])}, date.fromisoformat(str(item[f"{index}SK"])), item)
        )
    return Page(items, answer.get("LastEvaluatedKey"))
