"""Webhook subscriptions and their delivery log.

Subscriptions share the partition ``WEBHOOKS`` (one Query lists them all). Each delivery is an item in
its webhook's partition, keyed by the event's time and id: created with ``attribute_not_exists``, so a
replayed stream record never makes a second delivery, and read newest first for the delivery log.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from loyalty.store import cursors, items, keys
from loyalty.store.client import Item

DeliveryStatus = Literal["pending", "delivered", "failed"]


@dataclass(frozen=True)
class WebhookRecord:
    webhook_id: str
    url: str
    events: list[str]
    active: bool
    secret_ciphertext: bytes
    created_at: str
    updated_at: str
    # After a rotation, the secret it replaced, which signs beside the new one until ``previous_until``.
    previous_ciphertext: bytes | None = None
    previous_until: str | None = None

    def wants(self, event_type: str) -> bool:
        return self.active and ("*" in self.events or event_type in self.events)

    def to_item(self) -> Item:
        stored = items.attributes(self, but=("secret_ciphertext", "previous_ciphertext"))
        secrets = {"secret": self.secret_ciphertext, "previous_secret": self.previous_ciphertext or None}
        return {**keys.webhook(self.webhook_id), **stored, **secrets}

    @classmethod
    def from_item(cls, item: Item) -> WebhookRecord:
        previous = item.get("previous_secret")
        return items.build(
            cls,
            item,
            active=bool(item.get("active", True)),
            secret_ciphertext=bytes(item["secret"]),
            previous_ciphertext=bytes(previous) if previous is not None else None,
        )


@dataclass(frozen=True)
class DeliveryRecord:
    webhook_id: str
    event_id: str
    occurred_at: str
    delivery_id: str
    type: str
    member_id: str
    created_at: str
    status: DeliveryStatus = "pending"
    attempts: int = 0
    last_status: int | None = None
    last_error: str | None = None
    next_attempt_at: str | None = None
    ttl: int | None = None

    @property
    def key(self) -> dict[str, str]:
        return keys.delivery(self.webhook_id, self.occurred_at, self.event_id)

    def to_item(self) -> Item:
        return {**self.key, **items.attributes(self)}

    @classmethod
    def from_item(cls, item: Item) -> DeliveryRecord:
        return items.build(cls, item)


# --- subscriptions ---------------------------------------------------------------------------------


def create_webhook(record: WebhookRecord) -> bool:
    """Store a new subscription; False when one with this id exists already."""
    return items.put(record.to_item(), items.NEW).written


def replace_webhook(webhook_id: str, url: str, events: list[str], active: bool, updated_at: str) -> bool:
    """Replace what a subscription sends where, keeping its secret; False when it does not exist."""
    expression, marks = items.each("SET", {"url": url, "events": events, "active": active, "updated_at": updated_at})
    return items.update(keys.webhook(webhook_id), expression, "attribute_exists(PK)", marks).written


def rotate_secret(webhook_id: str, current: bytes, new: bytes, previous_until: str, updated_at: str) -> bool:
    """Make ``new`` the signing secret and keep ``current`` beside it until ``previous_until``; False when
    the webhook is gone or its secret is no longer ``current`` (a concurrent rotation: read again)."""
    return items.update(
        keys.webhook(webhook_id),
        "SET #secret = :new, previous_secret = :current, previous_until = :until, #updated = :updated",
        "attribute_exists(PK) AND #secret = :current",
        {
            "#secret": "secret",
            "#updated": "updated_at",
            ":new": new,
            ":current": current,
            ":until": previous_until,
            ":updated": updated_at,
        },
    ).written


def get_webhook(webhook_id: str, consistent: bool = True) -> WebhookRecord | None:
    return items.get(keys.webhook(webhook_id), WebhookRecord.from_item, consistent=consistent)


def delete_webhook(webhook_id: str) -> None:
    items.delete(keys.webhook(webhook_id))


def list_webhooks() -> list[WebhookRecord]:
    found = items.every(items.query(keys.WEBHOOKS, prefix="WEBHOOK#"))
    return [WebhookRecord.from_item(item) for item in found]


# --- deliveries ------------------------------------------------------------------------------------


def create_delivery(record: DeliveryRecord) -> bool:
    """Record a delivery to make; False when this event was already handed to this webhook."""
    return items.put(record.to_item(), items.NEW).written


def get_delivery(webhook_id: str, occurred_at: str, event_id: str) -> DeliveryRecord | None:
    return items.get(keys.delivery(webhook_id, occurred_at, event_id), DeliveryRecord.from_item)


def record_attempt(
    record: DeliveryRecord,
    status: DeliveryStatus,
    last_status: int | None,
    last_error: str | None,
    next_attempt_at: str | None,
) -> bool:
    """Write an attempt's outcome on a pending delivery (attempts + 1); False if it was no longer pending
    or another attempt got there first."""
    return items.update(
        record.key,
        "SET #status = :status, attempts = :attempts, last_status = :code, last_error = :error, "
        "next_attempt_at = :next",
        "#status = :pending AND attempts = :before",
        {
            "#status": "status",
            ":status": status,
            ":attempts": record.attempts + 1,
            ":code": last_status,
            ":error": last_error,
            ":next": next_attempt_at,
            ":pending": "pending",
            ":before": record.attempts,
        },
    ).written


CURSOR_KEYS = frozenset({"PK", "SK"})


def list_deliveries(webhook_id: str, limit: int, cursor: str | None) -> tuple[list[DeliveryRecord], str | None]:
    """One page of a webhook's deliveries, newest first. ValueError (cursors.NOT_OURS) for a cursor that
    is not one of this webhook's."""
    partition = keys.deliveries_partition(webhook_id)

    def fits(key: dict[str, str]) -> bool:
        return key["PK"] == partition and key["SK"].startswith("DELIVERY#")

    request = items.query(partition, prefix="DELIVERY#", newest_first=True, limit=limit)
    found, next_cursor = cursors.page(request, cursor, CURSOR_KEYS, fits)
    return [DeliveryRecord.from_item(item) for item in found], next_cursor
