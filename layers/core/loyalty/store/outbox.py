"""The member item's transactional outbox, as DynamoDB Streams shows it.

Every write of a member's profile item (PK ``MEMBER#<id>``, SK ``PROFILE``) that changes the member or
its points also sets, in the same transaction:

- ``version``: +1 on every write of the item;
- ``outbox``: the events of that one write (a list of ``{"type": <event type>, "data": {...}}``,
  possibly empty) and the RFC 3339 time of the write, replacing the previous write's, packed (``pack``).

The stream (NEW_AND_OLD_IMAGES) then carries each write's events, in order per member, with the write
itself: no event without its write, no write without its event. This module reads one Lambda stream
record into a typed ``OutboxWrite``; the events service turns it into envelopes.

Packed, because the outbox rides on the member item, whose size prices every write of the member (1 write
unit per KB, twice in a transaction): a redemption's two events took 219 bytes as a DynamoDB list of maps
and ``outbox_at`` 33 more; packed they take about 100. ``pack``: one format byte, then the JSON of
``{"at": <time>, "e": <events>}`` compressed with raw DEFLATE and a preset dictionary of the event types
and field names (what every outbox repeats). The dictionary of a format never changes (items written with
it must stay readable): a new dictionary is a new format byte. Items written before the outbox was packed
(a list in ``outbox``, the time in ``outbox_at``) are read as they are.
"""

from __future__ import annotations

import base64
import json
import zlib
from dataclasses import dataclass
from typing import Any

from loyalty.store import keys
from loyalty.store.client import Item, from_item

FORMAT_1 = 1
LEGACY = ("outbox_at",)  # what an outbox written before it was packed left beside it: removed by new writes
# Format 1's preset dictionary: never change it (items written with it are read with it). DEFLATE finds
# matches anywhere in its 32 KB window; the likeliest strings sit at the end, where references are shortest.
_DICTIONARY_1 = (
    b'"other_member_id":"event_id":"adjustment_id":"expires_on":"from":"to":"role":"changed":["name","email",'
    b'"locale","marketing_opt_in"]"reason":"tier":"Bronze""Silver""Gold"{"type":"order.created"'
    b'{"type":"member.updated"{"type":"member.erased"}{"type":"referral.completed"{"type":"tier.changed"'
    b'{"type":"points.expired"{"type":"points.matured"{"type":"points.refunded"{"type":"points.adjusted"'
    b'{"type":"redemption.cancelled"{"type":"redemption.used"{"type":"member.enrolled"{"type":"points.bonus"'
    b',"code":"{"type":"redemption.issued","data":{"redemption_id":"{"type":"points.redeemed","data":'
    b'{"redemption_id":","reward_id":","points":{"type":"points.earned","data":{"order_id":","points":'
    b',"balance":{"available":,"pending":}}}]}{"at":"2027-01-01T00:00:00.000Z","e":[]}'
)


def pack(entries: list[dict[str, Any]], at: str) -> bytes:
    """An outbox (its entries as ``unit_of_work.outbox`` builds them) and the time of its write."""
    text = json.dumps({"at": at, "e": entries}, separators=(",", ":"), ensure_ascii=False).encode()
    packer = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zlib.Z_DEFAULT_STRATEGY, _DICTIONARY_1)
    return bytes([FORMAT_1]) + packer.compress(text) + packer.flush()


def unpack(value: object) -> tuple[list[dict[str, Any]], str]:
    """The entries and the time of an outbox as stored: packed, or a list (written before it was)."""
    if isinstance(value, list):
        return value, ""
    data = bytes(value) if isinstance(value, bytes | bytearray) else b""
    if not data:
        return [], ""
    if data[0] != FORMAT_1:
        raise ValueError(f"outbox format {data[0]} is not known to this version")
    unpacker = zlib.decompressobj(-15, _DICTIONARY_1)
    found = json.loads(unpacker.decompress(data[1:]) + unpacker.flush())
    return list(found["e"]), str(found["at"])


def entries_of(item: Item) -> list[dict[str, Any]]:
    """The outbox entries on a member item, either format."""
    return unpack(item.get("outbox"))[0] if "outbox" in item else []


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
        stored, at = unpack(new["outbox"])
        entries = [OutboxEntry(type=str(entry["type"]), data=dict(entry.get("data") or {})) for entry in stored]
        return cls(
            member_id=member_id,
            version=int(new["version"]),
            occurred_at=at or str(new.get("outbox_at") or ""),
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
        from_item(_binary_as_bytes(new_image)),
        from_item(_binary_as_bytes(old_image)) if old_image else None,
        str(change.get("SequenceNumber", "")),
    )


def _binary_as_bytes(image: dict[str, Any]) -> dict[str, Any]:
    """Lambda's stream event is JSON: its binary attributes (the packed outbox, ``q``, ``ml``) come as
    base64 text, where the deserializer wants bytes (DynamoDB Local's stream through boto3 gives bytes)."""
    return {
        name: {"B": base64.b64decode(value["B"])} if isinstance(value.get("B"), str) else value
        for name, value in image.items()
    }
