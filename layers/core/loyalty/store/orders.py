"""Orders and refunds: each is written in the same transaction as the balance and lot changes
it causes, keyed by the client's id with ``attribute_not_exists`` so a retry can never credit twice.
The order and refund items double as the member's ledger entries (GSI1 = activity)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from loyalty.domain.balances import Balances
from loyalty.store import keys, transactions
from loyalty.store.client import Item, dynamodb, from_item, table_name, to_item, to_value

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


def _versioned_update(key: dict[str, str], version: int, values: dict[str, Any], condition: str = "") -> dict[str, Any]:
    """SET every value and bump ``version``, only if the item is still at the version it was read at."""
    values = {**values, "version": version + 1}
    names = {f"#a{i}": name for i, name in enumerate(values)}
    attribute_values = {f":a{i}": to_value(value) for i, value in enumerate(values.values())}
    attribute_values[":read_version"] = to_value(version)
    return {
        "Update": {
            "TableName": table_name(),
            "Key": to_item(key),
            "UpdateExpression": "SET " + ", ".join(f"#a{i} = :a{i}" for i in range(len(values))),
            "ConditionExpression": "#version = :read_version" + condition,
            "ExpressionAttributeNames": {**names, "#version": "version"},
            "ExpressionAttributeValues": attribute_values,
        }
    }


def member_update(
    member_id: str,
    version: int,
    balances: Balances,
    *,
    keep: dict[str, str] | None = None,
    remove: tuple[str, ...] = (),
    **fields: Any,
) -> dict[str, Any]:
    """Set the member's balances (computed from a read at ``version``) if nobody wrote since.

    ``keep`` attributes are set only where the item has none yet: due-work index keys that hold a lower
    bound (a review or dormancy date), which the daily jobs move forward themselves. Leaving an existing
    one alone means the index is not rewritten on every balance change. ``remove`` attributes are
    deleted (an expiry key when no points are left to expire).
    """
    values: dict[str, Any] = {
        "available": balances.available,
        "pending": balances.pending,
        "lifetime_earned": balances.lifetime_earned,
        "debt": balances.debt,
        "earned_by_day": balances.earned_by_day,
        **fields,
    }
    update = _versioned_update(keys.member(member_id), version, values, " AND #status = :active")
    request = update["Update"]
    request["ExpressionAttributeNames"]["#status"] = "status"
    request["ExpressionAttributeValues"][":active"] = to_value("active")
    if isinstance(fields.get("last_activity_at"), str):
        # Activity (re)arms the dormancy check of a member whose check was used up (a dormant spell
        # ended). The UTC day of the activity is never after its local day + dormant_after_days (>= 1),
        # so it is a valid lower bound; the dormancy job moves it to the exact day.
        keep = {**keys.dormancy_check(fields["last_activity_at"][:10], member_id), **(keep or {})}
    for i, (name, value) in enumerate((keep or {}).items()):
        request["UpdateExpression"] += f", #k{i} = if_not_exists(#k{i}, :k{i})"
        request["ExpressionAttributeNames"][f"#k{i}"] = name
        request["ExpressionAttributeValues"][f":k{i}"] = to_value(value)
    if remove:
        request["UpdateExpression"] += " REMOVE " + ", ".join(f"#r{i}" for i in range(len(remove)))
        request["ExpressionAttributeNames"].update({f"#r{i}": name for i, name in enumerate(remove)})
    return update


def lot_update(member_id: str, change: LotChange, *, guard: bool = False, clear_due: bool = False) -> dict[str, Any]:
    """Add (or with negative numbers, take) points in a lot; ``guard`` forbids going below zero.

    ``clear_due`` takes an emptied lot out of the expiry index, so the expiry job never reads a lot
    with nothing left to expire (its reads stay proportional to the work due)."""
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
    if clear_due and not change.due_key:
        update += " REMOVE GSI2PK, GSI2SK"
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
    outcome = transactions.run(items)
    if outcome.written:
        return WriteResult("written")
    if outcome.failed_at(0):
        return WriteResult("replay", outcome.failed[0])
    # Someone changed the member or a lot since we read them, or a concurrent transaction holds
    # them: read again and recompute.
    return WriteResult("retry")


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
    return _versioned_update(keys.order(order_id), version, values)


def get_order(order_id: str) -> Item | None:
    answer = dynamodb().get_item(TableName=table_name(), Key=to_item(keys.order(order_id)), ConsistentRead=True)
    return from_item(answer["Item"]) if "Item" in answer else None


def get_refund(refund_id: str) -> Item | None:
    answer = dynamodb().get_item(TableName=table_name(), Key=to_item(keys.refund(refund_id)), ConsistentRead=True)
    return from_item(answer["Item"]) if "Item" in answer else None
