"""Bonus points that no order earned: the signup bonus and member events (a review, a survey, a birthday).

Each is its own ``bonus`` entry, put once by the member's unit of work (loyalty.store.unit_of_work.commit, or
the enrollment's one transaction for the signup bonus). A member event is keyed by the client's
``event_id``; an event that a limit stopped is recorded all the same (0 points, no ledger entry), so a
retry answers what the first call did. A limit per member and period is a counter item in the member's
partition, added to in the same transaction on the condition that it stays below the limit.
"""

from __future__ import annotations

from dataclasses import dataclass

from loyalty.store import items, keys
from loyalty.store.client import Item
from loyalty.store.entries import EntryFields
from loyalty.store.transactions import TxItem
from loyalty.store.unit_of_work import EntryPut

LIMIT_ROLE = "event_limit"


@dataclass(frozen=True)
class SignupBonus:
    """The ``bonus`` entry of the points a member got for enrolling."""

    entry: EntryFields

    def to_item(self) -> Item:
        return {**keys.bonus(self.entry.entry_id), **self.entry.to_item(), "reason": "signup"}


@dataclass(frozen=True)
class MemberEventRecord:
    event_id: str
    member_id: str
    event_type: str
    occurred_at: str  # when the member did it (the client's), not when it was recorded
    points: int
    limited: bool
    entry: EntryFields | None  # None when a limit stopped it: no points, no ledger entry

    def to_item(self) -> Item:
        stored = items.attributes(self, but=("occurred_at", "entry"))
        item: Item = {**keys.member_event(self.event_id), **stored, "event_occurred_at": self.occurred_at}
        if self.entry is not None:
            item.update(self.entry.to_item())
            item["reason"] = self.event_type
        return item

    @classmethod
    def from_item(cls, item: Item) -> MemberEventRecord:
        return items.build(
            cls,
            item,
            occurred_at=str(item["event_occurred_at"]),
            limited=bool(item.get("limited", False)),
            entry=EntryFields.from_item(item) if "kind" in item else None,
        )


def signup_put(bonus: SignupBonus) -> TxItem:
    """The signup bonus entry, an item of the enrollment's transaction."""
    return items.put_tx("signup_bonus", bonus.to_item(), items.NEW)


def entry_put(record: MemberEventRecord) -> EntryPut[MemberEventRecord]:
    return EntryPut(record.to_item(), MemberEventRecord.from_item)


def count_event(member_id: str, event_type: str, period: str, limit: int, expires_at: int | None) -> TxItem:
    """One more event of ``event_type`` in ``period`` for the member, only while below ``limit``."""
    key = keys.event_count(member_id, event_type, period)
    return items.counted_tx(LIMIT_ROLE, key, limit, expires_at=expires_at)


def get_event(event_id: str) -> MemberEventRecord | None:
    return items.get(keys.member_event(event_id), MemberEventRecord.from_item)
