"""The member item's transactional outbox, as DynamoDB Streams shows it.

Every write of a member's profile item (PK ``MEMBER#<id>``, SK ``PROFILE``) that changes the member or
its points also sets, in the same transaction:

- ``version``: +1 on every write of the item;
- ``outbox``: a list of ``{"type": <event type>, "data": {...}}``, the events of that one write,
  replacing the previous list (possibly empty);
- ``outbox_at``: the RFC 3339 time of the write.

The stream (NEW_AND_OLD_IMAGES) then carries each write's events, in order per member, with the write
itself: no event without its write, no write without its event. This module reads one Lambda stream
record into a typed ``OutboxWrite``; the events service turns it into envelopes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from loyalty.store import keys
from loyalty.store.client import Item, from_item


@dataclass(frozen=True)
class OutboxEntry:
    type: str
    data: dict[str, Any]


@dataclass(frozen=True)
class OutboxWrite:
    """The events one write of a member item recorded."""

    member_id: str
    version: int
    occurred_at: str
    entries: list[OutboxEntry]
    sequence_number: str

    @classmethod
    def from_images(cls, new: Item, old: Item | None, sequence_number: str) -> OutboxWrite | None:
        """None when the write recorded no events of its own (see ``from_record``)."""
        if "outbox" not in new or "version" not in new:
            return None  # written before the outbox existed, or by code that does not keep it
        if old is not None:
            if old.get("version") == new.get("version"):
                return None  # not a versioned write (the same ids would be built again anyway)
            if old.get("outbox") == new.get("outbox") and old.get("outbox_at") == new.get("outbox_at"):
                return None  # the write left the outbox alone: those are the previous write's events
        member_id = str(new.get("member_id") or str(new["PK"]).removeprefix("MEMBER#"))
        entries = [OutboxEntry(type=str(entry["type"]), data=dict(entry.get("data") or {})) for entry in new["outbox"]]
        return cls(
            member_id=member_id,
            version=int(new["version"]),
            occurred_at=str(new.get("outbox_at") or ""),
            entries=entries,
            sequence_number=sequence_number,
        )


def is_member_profile(image: dict[str, Any]) -> bool:
    pk = image.get("PK", {}).get("S", "")
    return str(pk).startswith("MEMBER#") and image.get("SK", {}).get("S") == keys.PROFILE


def from_record(record: dict[str, Any]) -> OutboxWrite | None:
    """The events of one DynamoDB stream record as Lambda delivers it, or None when it has none.

    REMOVE records have no new image and so no events: an erasure keeps the profile (status
    ``erased``) and announces itself with ``member.erased`` on a MODIFY; deleting a profile item is
    not a contract event.
    """
    change = record.get("dynamodb") or {}
    keys_image = change.get("Keys") or {}
    new_image = change.get("NewImage")
    if record.get("eventName") == "REMOVE" or not new_image or not is_member_profile(keys_image):
        return None
    old_image = change.get("OldImage")
    return OutboxWrite.from_images(
        from_item(new_image),
        from_item(old_image) if old_image else None,
        str(change.get("SequenceNumber", "")),
    )
