"""Redemption items, their voucher codes, and the transactions that issue, use and cancel them."""

from __future__ import annotations

from typing import Any

from loyalty.store import keys
from loyalty.store.client import Item, dynamodb, from_item, table_name, to_item, to_value


def put_new(item: Item) -> dict[str, Any]:
    """The redemption, once: keyed by the client's redemption_id."""
    return {
        "Put": {
            "TableName": table_name(),
            "Item": to_item({**keys.redemption(item["redemption_id"]), **item}),
            "ConditionExpression": "attribute_not_exists(PK)",
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
    }


def put_voucher(code: str, redemption_id: str) -> dict[str, Any]:
    return {
        "Put": {
            "TableName": table_name(),
            "Item": to_item({**keys.voucher(code), "redemption_id": redemption_id}),
            "ConditionExpression": "attribute_not_exists(PK)",
        }
    }


def take_stock(reward_id: str, revision: int, limited: bool) -> dict[str, Any]:
    """One unit of stock (when limited), only if the reward is still the revision we priced it at."""
    values: dict[str, Any] = {":one": to_value(1), ":revision": to_value(revision)}
    if limited:
        update = "ADD stock_remaining :minus_one, redeemed :one"
        condition = "revision = :revision AND stock_remaining >= :one"
        values[":minus_one"] = to_value(-1)
    else:
        update = "ADD redeemed :one"
        condition = "revision = :revision AND attribute_not_exists(stock_remaining)"
    return {
        "Update": {
            "TableName": table_name(),
            "Key": to_item(keys.reward(reward_id)),
            "UpdateExpression": update,
            "ConditionExpression": condition,
            "ExpressionAttributeValues": values,
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
    }


def return_stock(reward_id: str) -> dict[str, Any]:
    return {
        "Update": {
            "TableName": table_name(),
            "Key": to_item(keys.reward(reward_id)),
            "UpdateExpression": "ADD stock_remaining :one, redeemed :minus_one",
            "ExpressionAttributeValues": {":one": to_value(1), ":minus_one": to_value(-1)},
        }
    }


def count_redemption(member_id: str, reward_id: str, limit: int) -> dict[str, Any]:
    """The member's redemptions of a reward, below its per-member limit."""
    return {
        "Update": {
            "TableName": table_name(),
            "Key": to_item(keys.redeemed_count(member_id, reward_id)),
            "UpdateExpression": "ADD #count :one",
            "ConditionExpression": "attribute_not_exists(#count) OR #count < :limit",
            "ExpressionAttributeNames": {"#count": "count"},
            "ExpressionAttributeValues": {":one": to_value(1), ":limit": to_value(limit)},
        }
    }


def uncount_redemption(member_id: str, reward_id: str) -> dict[str, Any]:
    return {
        "Update": {
            "TableName": table_name(),
            "Key": to_item(keys.redeemed_count(member_id, reward_id)),
            "UpdateExpression": "ADD #count :minus_one",
            "ConditionExpression": "#count >= :one",
            "ExpressionAttributeNames": {"#count": "count"},
            "ExpressionAttributeValues": {":one": to_value(1), ":minus_one": to_value(-1)},
        }
    }


def set_status(redemption_id: str, status: str, at: str) -> dict[str, Any]:
    """Move an issued redemption to used or cancelled; the old item comes back if it was not issued."""
    return {
        "Update": {
            "TableName": table_name(),
            "Key": to_item(keys.redemption(redemption_id)),
            "UpdateExpression": "SET #status = :status, #at = :at",
            "ConditionExpression": "#status = :issued",
            "ExpressionAttributeNames": {"#status": "status", "#at": f"{status}_at"},
            "ExpressionAttributeValues": {
                ":status": to_value(status),
                ":at": to_value(at),
                ":issued": to_value("issued"),
            },
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
    }


def put_entry(key: dict[str, str], item: Item) -> dict[str, Any]:
    """A ledger entry of its own (a cancellation, an adjustment), written once."""
    return {
        "Put": {
            "TableName": table_name(),
            "Item": to_item({**key, **item}),
            "ConditionExpression": "attribute_not_exists(PK)",
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
    }


def get(redemption_id: str) -> Item | None:
    answer = dynamodb().get_item(
        TableName=table_name(), Key=to_item(keys.redemption(redemption_id)), ConsistentRead=True
    )
    return from_item(answer["Item"]) if "Item" in answer else None


def by_code(code: str) -> Item | None:
    answer = dynamodb().get_item(TableName=table_name(), Key=to_item(keys.voucher(code)), ConsistentRead=True)
    if "Item" not in answer:
        return None
    return get(str(from_item(answer["Item"])["redemption_id"]))


def mark_used(redemption_id: str, at: str) -> Item | None:
    """Issued -> used. Returns None when done, else the item as it was (used, cancelled, or {} if absent)."""
    request = set_status(redemption_id, "used", at)["Update"]
    request["ConditionExpression"] = "attribute_exists(PK) AND #status = :issued"
    try:
        dynamodb().update_item(**request)
    except dynamodb().exceptions.ConditionalCheckFailedException as error:
        old: dict[str, Any] | None = error.response.get("Item")  # type: ignore[assignment]
        return from_item(old) if old else {}
    return None
