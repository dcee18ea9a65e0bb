"""Campaign budgets: one counter item per campaign with ``budget_points`` (``CAMPAIGN#<id>``, ``BUDGET``).

An accrual adds the bonus it gives to the counter in its own TransactWriteItems, on the condition that
the counter stays within the budget. The counter lives outside the member's partition, so the accrual's
one Query cannot read it; instead the condition's failure returns the counter as it was
(ReturnValuesOnConditionCheckFailure), and the accrual plans again with what is left: an order that meets
a nearly spent budget costs one more round trip, every other order none.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from loyalty.store import keys
from loyalty.store.client import dynamodb, from_item, table_name, to_item, to_value
from loyalty.store.transactions import TxItem
from loyalty.store.unit_of_work import Retry

ROLE_PREFIX = "budget:"

# What this process has seen the counters hold. A counter only grows, so an old value is still a lower
# bound of what is spent: planning with it never gives too much (the condition decides), and once a budget
# is spent a warm function plans a bonus of 0 at once, without a failed attempt.
_seen: dict[str, int] = {}


def known_spent() -> dict[str, int]:
    return dict(_seen)


def forget() -> None:
    """Drop what was seen (tests; a new table)."""
    _seen.clear()


def budget_add(campaign_id: str, points: int, budget: int) -> TxItem:
    """Add ``points`` to the campaign's counter, only if it stays within ``budget``."""
    return TxItem(
        f"{ROLE_PREFIX}{campaign_id}",
        {
            "Update": {
                "TableName": table_name(),
                "Key": to_item(keys.campaign_budget(campaign_id)),
                "UpdateExpression": "ADD spent :points SET campaign_id = :id",
                "ConditionExpression": "attribute_not_exists(spent) OR spent <= :most",
                "ExpressionAttributeValues": {
                    ":points": to_value(points),
                    ":most": to_value(budget - points),
                    ":id": to_value(campaign_id),
                },
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        },
    )


def spent_seen(retry: Retry) -> dict[str, int]:
    """What the counters whose conditions failed held (campaign id -> points spent)."""
    seen: dict[str, int] = {}
    for role, olds in retry.seen.items():
        if not role.startswith(ROLE_PREFIX):
            continue
        for old in olds:
            seen[role.removeprefix(ROLE_PREFIX)] = int((old or {}).get("spent", 0))
    for campaign_id, points in seen.items():
        _seen[campaign_id] = max(_seen.get(campaign_id, 0), points)
    return seen


def spent(campaign_ids: list[str]) -> dict[str, int]:
    """The points each campaign has given (0 for one that never gave any), one consistent GetItem each."""
    found: dict[str, int] = {}
    for campaign_id in campaign_ids:
        answer: Mapping[str, Any] = dynamodb().get_item(
            TableName=table_name(), Key=to_item(keys.campaign_budget(campaign_id)), ConsistentRead=True
        )
        item = from_item(answer["Item"]) if "Item" in answer else {}
        found[campaign_id] = int(item.get("spent", 0))
        _seen[campaign_id] = max(_seen.get(campaign_id, 0), found[campaign_id])
    return found
