"""Ledger entries: the items that record a change of a member's points.

The item that records a change *is* its ledger entry (an order its ``earn`` entry, a refund its
``refund`` entry, ...): it carries the entry attributes and the GSI1 keys that put it in the member's
activity, and it is written in the same transaction as the balance it changes. Adjustments,
cancellations and expiries have items of their own, defined here.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from loyalty.store import items, keys
from loyalty.store.client import Item


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
            **items.attributes(self, but=("points", "key_id")),
            "entry_points": self.points,
            **({"key_id": self.key_id} if self.key_id else {}),
        }

    @classmethod
    def from_item(cls, item: Item) -> EntryFields:
        return items.build(cls, item, points=int(item["entry_points"]))


class Entered(Protocol):
    """A record that is a ledger entry: its own fields, and its entry's."""

    __dataclass_fields__: ClassVar[dict[str, Any]]

    @property
    def entry(self) -> EntryFields: ...


def with_entry(key: Item, record: Entered, *, but: Collection[str] = ()) -> Item:
    """The item of a record that is its ledger entry: its key, its fields as they are named (but those
    stored otherwise), and its entry's attributes."""
    return {**key, **items.attributes(record, but=("entry", *but)), **record.entry.to_item()}


@dataclass(frozen=True)
class AdjustmentRecord:
    adjustment_id: str
    reason: str
    actor: str  # the acting key's label
    entry: EntryFields

    def to_item(self) -> Item:
        return with_entry(keys.adjustment(self.adjustment_id), self)

    @classmethod
    def from_item(cls, item: Item) -> AdjustmentRecord:
        return items.build(cls, item, actor=str(item.get("actor", "")), entry=EntryFields.from_item(item))


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
        return with_entry(keys.redemption_cancel(self.redemption_id), self)

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
    return items.get(keys.adjustment(adjustment_id), AdjustmentRecord.from_item)


def get_cancel(redemption_id: str) -> CancelRecord | None:
    return items.get(keys.redemption_cancel(redemption_id), CancelRecord.from_item)


REDACTED_REASON = "redacted"  # what an erased member's adjustments show instead of their free text


def adjustments_with_reason(member_id: str) -> list[str]:
    """The ids of the member's adjustments whose reason is still the admin's free text: the member's
    activity index read to its end (as an export reads it), only the adjustment ids returned."""
    request = items.query(
        keys.activity_partition(member_id),
        index="GSI1",
        FilterExpression="begins_with(PK, :adjustment) AND reason <> :redacted",
        ProjectionExpression="adjustment_id",
        values={":adjustment": keys.adjustment("")["PK"], ":redacted": REDACTED_REASON},
    )
    return [str(item["adjustment_id"]) for item in items.every(request)]


def redact_reason(adjustment_id: str, member_id: str) -> None:
    """Replace an adjustment's reason (erasure); only the member's own, only once."""
    marks = {":redacted": REDACTED_REASON, ":member": member_id}
    items.update(keys.adjustment(adjustment_id), "SET reason = :redacted", "member_id = :member", marks)
