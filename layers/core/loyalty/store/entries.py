"""Ledger entries: the items that record a change of a member's points.

The item that records a change *is* its ledger entry (an order its ``earn`` entry, a refund its
``refund`` entry, ...): it carries the entry attributes and the GSI1 keys that put it in the member's
activity, and it is written in the same transaction as the balance it changes. Adjustments,
cancellations and expiries have items of their own, defined here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from loyalty.store import keys
from loyalty.store.client import Item, condition_failed, dynamodb, from_item, table_name, to_item, to_value


@dataclass(frozen=True)
class EntryFields:
    member_id: str
    kind: str
    entry_id: str
    points: int  # signed
    balance_after: int
    occurred_at: str
    key_id: str | None = None  # the API key that made the write (None: a job)

    def to_item(self) -> Item:
        return {
            **keys.activity(self.member_id, self.occurred_at, self.entry_id),
            "member_id": self.member_id,
            "kind": self.kind,
            "entry_id": self.entry_id,
            "entry_points": self.points,
            "balance_after": self.balance_after,
            "occurred_at": self.occurred_at,
            **({"key_id": self.key_id} if self.key_id else {}),
        }

    @classmethod
    def from_item(cls, item: Item) -> EntryFields:
        return cls(
            member_id=str(item["member_id"]),
            kind=str(item["kind"]),
            entry_id=str(item["entry_id"]),
            points=int(item["entry_points"]),
            balance_after=int(item["balance_after"]),
            occurred_at=str(item["occurred_at"]),
            key_id=item.get("key_id"),
        )


@dataclass(frozen=True)
class AdjustmentRecord:
    adjustment_id: str
    reason: str
    actor: str  # the acting key's label
    entry: EntryFields

    def to_item(self) -> Item:
        return {
            **keys.adjustment(self.adjustment_id),
            "adjustment_id": self.adjustment_id,
            "reason": self.reason,
            "actor": self.actor,
            **self.entry.to_item(),
        }

    @classmethod
    def from_item(cls, item: Item) -> AdjustmentRecord:
        return cls(
            str(item["adjustment_id"]), str(item["reason"]), str(item.get("actor", "")), EntryFields.from_item(item)
        )


ERASURE_REASON = "erasure"
ERASURE_ADJUSTMENT_ID = "erasure"  # what the entry shows as its adjustment_id (no client chose it)


@dataclass(frozen=True)
class ErasureRecord:
    """The ``adjust`` entry (reason ``erasure``) that forfeits an erased member's points, keyed by the
    member: written once, whatever the number of DELETEs."""

    actor: str  # the acting key's label
    entry: EntryFields

    def to_item(self) -> Item:
        return {
            **keys.erasure(self.entry.member_id),
            "adjustment_id": ERASURE_ADJUSTMENT_ID,
            "reason": ERASURE_REASON,
            "actor": self.actor,
            **self.entry.to_item(),
        }

    @classmethod
    def from_item(cls, item: Item) -> ErasureRecord:
        return cls(str(item.get("actor", "")), EntryFields.from_item(item))


@dataclass(frozen=True)
class CancelRecord:
    redemption_id: str
    entry: EntryFields

    def to_item(self) -> Item:
        return {
            **keys.redemption_cancel(self.redemption_id),
            "redemption_id": self.redemption_id,
            **self.entry.to_item(),
        }

    @classmethod
    def from_item(cls, item: Item) -> CancelRecord:
        return cls(str(item["redemption_id"]), EntryFields.from_item(item))


@dataclass(frozen=True)
class ExpiryRecord:
    """One day's expiry of a member's points; ``run_day`` is set when points a cancellation gave back to
    an already expired day expire again."""

    expires_on: str
    run_day: str | None
    entry: EntryFields

    def to_item(self) -> Item:
        return {
            **keys.expiry_entry(self.entry.member_id, self.expires_on, self.run_day),
            "expires_on": self.expires_on,
            **self.entry.to_item(),
        }


@dataclass(frozen=True)
class ActivityItem:
    """An entry as the activity index returns it, with the ids of what it records."""

    entry: EntryFields
    refs: dict[str, str]  # order_id, refund_id, redemption_id, adjustment_id when present
    reason: str | None

    @classmethod
    def from_item(cls, item: Item) -> ActivityItem:
        refs: dict[str, str] = {
            name: str(item[name])
            for name in ("order_id", "refund_id", "redemption_id", "adjustment_id", "merged_with")
            if name in item
        }
        return cls(EntryFields.from_item(item), refs, item.get("reason"))


def get_adjustment(adjustment_id: str) -> AdjustmentRecord | None:
    answer = dynamodb().get_item(
        TableName=table_name(), Key=to_item(keys.adjustment(adjustment_id)), ConsistentRead=True
    )
    return AdjustmentRecord.from_item(from_item(answer["Item"])) if "Item" in answer else None


def get_cancel(redemption_id: str) -> CancelRecord | None:
    answer = dynamodb().get_item(
        TableName=table_name(), Key=to_item(keys.redemption_cancel(redemption_id)), ConsistentRead=True
    )
    return CancelRecord.from_item(from_item(answer["Item"])) if "Item" in answer else None


REDACTED_REASON = "redacted"  # what an erased member's adjustments show instead of their free text


def adjustments_with_reason(member_id: str) -> list[str]:
    """The ids of the member's adjustments whose reason is still the admin's free text: the member's
    activity index read to its end (as an export reads it), only the adjustment ids returned."""
    found: list[str] = []
    request: dict[str, Any] = {
        "TableName": table_name(),
        "IndexName": "GSI1",
        "KeyConditionExpression": "GSI1PK = :pk",
        "FilterExpression": "begins_with(PK, :adjustment) AND reason <> :redacted",
        "ProjectionExpression": "adjustment_id",
        "ExpressionAttributeValues": {
            ":pk": to_value(keys.activity_partition(member_id)),
            ":adjustment": to_value(keys.adjustment("")["PK"]),
            ":redacted": to_value(REDACTED_REASON),
        },
    }
    while True:
        answer = dynamodb().query(**request)
        found += [str(from_item(raw)["adjustment_id"]) for raw in answer.get("Items", [])]
        start = answer.get("LastEvaluatedKey")
        if start is None:
            return found
        request["ExclusiveStartKey"] = start


def redact_reason(adjustment_id: str, member_id: str) -> None:
    """Replace an adjustment's reason (erasure); only the member's own, only once."""
    try:
        dynamodb().update_item(
            TableName=table_name(),
            Key=to_item(keys.adjustment(adjustment_id)),
            UpdateExpression="SET reason = :redacted",
            ConditionExpression="member_id = :member",
            ExpressionAttributeValues={":redacted": to_value(REDACTED_REASON), ":member": to_value(member_id)},
        )
    except ClientError as error:
        if not condition_failed(error):
            raise
