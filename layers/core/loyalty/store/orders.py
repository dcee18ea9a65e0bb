"""Orders and refunds: each is written in the same transaction as the balance and lot changes
it causes, keyed by the client's id with ``attribute_not_exists`` so a retry can never credit twice.
The order and refund items double as the member's ledger entries (GSI1 = activity)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from botocore.exceptions import ClientError

from loyalty.domain.balances import Balances
from loyalty.store import keys
from loyalty.store.client import Item, dynamodb, from_item, table_name, to_item, to_value
from loyalty.store.conflicts import cancellation

Outcome = Literal["written", "replay", "retry"]


@dataclass(frozen=True)
class WriteResult:
    outcome: Outcome
    existing: Item | None = None


@dataclass(frozen=True)
class LotChange:
    expires_on: str
    available: int = 0
    pending: int = 0
    due_key: dict[str, str] | None = None


def member_update(member_id: str, version: int, balances: Balances, **fields: Any) -> dict[str, Any]:
    """Set the member's balances (computed from a read at ``version``) if nobody wrote since."""
    values: dict[str, Any] = {
        "available": balances.available,
        "pending": balances.pending,
        "lifetime_earned": balances.lifetime_earned,
        "debt": balances.debt,
        "earned_by_day": balances.earned_by_day,
        "version": version + 1,
        **fields,
    }
    names = {f"#a{i}": name for i, name in enumerate(values)}
    attribute_values = {f":a{i}": to_value(value) for i, value in enumerate(values.values())}
    attribute_values[":read_version"] = to_value(version)
    attribute_values[":active"] = to_value("active")
    return {
        "Update": {
            "TableName": table_name(),
            "Key": to_item(keys.member(member_id)),
            "UpdateExpression": "SET " + ", ".join(f"#a{i} = :a{i}" for i in range(len(values))),
            "ConditionExpression": "#version = :read_version AND #status = :active",
            "ExpressionAttributeNames": {**names, "#version": "version", "#status": "status"},
            "ExpressionAttributeValues": attribute_values,
        }
    }


def lot_update(member_id: str, change: LotChange, *, guard: bool = False) -> dict[str, Any]:
    """Add (or with negative numbers, take) points in a lot; ``guard`` forbids going below zero."""
    values: dict[str, Any] = {
        ":available": to_value(change.available),
        ":pending": to_value(change.pending),
        ":expires_on": to_value(change.expires_on),
        ":member_id": to_value(member_id),
    }
    update = "ADD available :available, pending :pending SET expires_on = :expires_on, member_id = :member_id"
    if change.due_key:
        update += ", GSI2PK = :gsi2pk, GSI2SK = :gsi2sk"
        values[":gsi2pk"] = to_value(change.due_key["GSI2PK"])
        values[":gsi2sk"] = to_value(change.due_key["GSI2SK"])
    request: dict[str, Any] = {
        "TableName": table_name(),
        "Key": to_item(keys.lot(member_id, change.expires_on)),
        "UpdateExpression": update,
        "ExpressionAttributeValues": values,
    }
    if guard:
        request["ConditionExpression"] = "available >= :need_available AND pending >= :need_pending"
        values[":need_available"] = to_value(-change.available)
        values[":need_pending"] = to_value(-change.pending)
    return {"Update": request}


def _write(items: list[dict[str, Any]]) -> WriteResult:
    """Run a transaction whose first item is the idempotency-keyed put."""
    try:
        dynamodb().transact_write_items(TransactItems=items)  # type: ignore[arg-type]
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code")
        cancelled = cancellation(error)
        if cancelled is not None and cancelled.failed_at(0):
            return WriteResult("replay", cancelled.old(0))
        if cancelled is not None or code in ("TransactionCanceledException", "TransactionConflictException"):
            # Someone changed the member or a lot since we read them, or a concurrent transaction
            # holds them: read again and recompute.
            return WriteResult("retry")
        raise
    return WriteResult("written")


def record_accrual(order: Item, member: dict[str, Any], lot: dict[str, Any] | None) -> WriteResult:
    put = {
        "Put": {
            "TableName": table_name(),
            "Item": to_item({**keys.order(order["order_id"]), **order}),
            "ConditionExpression": "attribute_not_exists(PK)",
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
    }
    return _write([put, member, *([lot] if lot else [])])


def record_refund(
    refund: Item, order_update: dict[str, Any], member: dict[str, Any], lots: list[dict[str, Any]]
) -> WriteResult:
    put = {
        "Put": {
            "TableName": table_name(),
            "Item": to_item({**keys.refund(refund["refund_id"]), **refund}),
            "ConditionExpression": "attribute_not_exists(PK)",
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
    }
    return _write([put, order_update, member, *lots])


def order_update(order_id: str, version: int, **values: Any) -> dict[str, Any]:
    names = {f"#o{i}": name for i, name in enumerate({**values, "version": 0})}
    attribute_values = {f":o{i}": to_value(value) for i, value in enumerate([*values.values(), version + 1])}
    attribute_values[":read_version"] = to_value(version)
    return {
        "Update": {
            "TableName": table_name(),
            "Key": to_item(keys.order(order_id)),
            "UpdateExpression": "SET " + ", ".join(f"#o{i} = :o{i}" for i in range(len(names))),
            "ConditionExpression": "#version = :read_version",
            "ExpressionAttributeNames": {**names, "#version": "version"},
            "ExpressionAttributeValues": attribute_values,
        }
    }


def get_order(order_id: str) -> Item | None:
    answer = dynamodb().get_item(TableName=table_name(), Key=to_item(keys.order(order_id)), ConsistentRead=True)
    return from_item(answer["Item"]) if "Item" in answer else None


def get_refund(refund_id: str) -> Item | None:
    answer = dynamodb().get_item(TableName=table_name(), Key=to_item(keys.refund(refund_id)), ConsistentRead=True)
    return from_item(answer["Item"]) if "Item" in answer else None
