"""Webhook subscriptions and their delivery log.

Subscriptions share the partition ``WEBHOOKS`` (one Query lists them all). Each delivery is an item in
its webhook's partition, keyed by the event's time and id: created with ``attribute_not_exists``, so a
replayed stream record never makes a second delivery, and read newest first for the delivery log.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any, Literal

from botocore.exceptions import ClientError

from loyalty.store import keys
from loyalty.store.client import Item, condition_failed, dynamodb, from_item, table_name, to_item, to_value

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
        return {
            **keys.webhook(self.webhook_id),
            "webhook_id": self.webhook_id,
            "url": self.url,
            "events": list(self.events),
            "active": self.active,
            "secret": self.secret_ciphertext,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            **({"previous_secret": self.previous_ciphertext} if self.previous_ciphertext else {}),
            **({"previous_until": self.previous_until} if self.previous_until else {}),
        }

    @classmethod
    def from_item(cls, item: Item) -> WebhookRecord:
        secret = item["secret"]
        previous = item.get("previous_secret")
        return cls(
            webhook_id=str(item["webhook_id"]),
            url=str(item["url"]),
            events=[str(e) for e in item.get("events", [])],
            active=bool(item.get("active", True)),
            secret_ciphertext=_binary(secret),
            created_at=str(item["created_at"]),
            updated_at=str(item["updated_at"]),
            previous_ciphertext=_binary(previous) if previous is not None else None,
            previous_until=str(item["previous_until"]) if item.get("previous_until") else None,
        )


def _binary(value: Any) -> bytes:
    return bytes(value.value if hasattr(value, "value") else value)


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
        return {
            **self.key,
            "webhook_id": self.webhook_id,
            "event_id": self.event_id,
            "occurred_at": self.occurred_at,
            "delivery_id": self.delivery_id,
            "type": self.type,
            "member_id": self.member_id,
            "created_at": self.created_at,
            "status": self.status,
            "attempts": self.attempts,
            "last_status": self.last_status,
            "last_error": self.last_error,
            "next_attempt_at": self.next_attempt_at,
            "ttl": self.ttl,
        }

    @classmethod
    def from_item(cls, item: Item) -> DeliveryRecord:
        return cls(
            webhook_id=str(item["webhook_id"]),
            event_id=str(item["event_id"]),
            occurred_at=str(item["occurred_at"]),
            delivery_id=str(item["delivery_id"]),
            type=str(item["type"]),
            member_id=str(item["member_id"]),
            created_at=str(item["created_at"]),
            status=item.get("status", "pending"),
            attempts=int(item.get("attempts", 0)),
            last_status=int(item["last_status"]) if item.get("last_status") is not None else None,
            last_error=item.get("last_error"),
            next_attempt_at=item.get("next_attempt_at"),
            ttl=int(item["ttl"]) if item.get("ttl") is not None else None,
        )


# --- subscriptions ---------------------------------------------------------------------------------


def create_webhook(record: WebhookRecord) -> bool:
    """Store a new subscription; False when one with this id exists already."""
    try:
        dynamodb().put_item(
            TableName=table_name(), Item=to_item(record.to_item()), ConditionExpression="attribute_not_exists(PK)"
        )
    except ClientError as error:
        if condition_failed(error):
            return False
        raise
    return True


def replace_webhook(webhook_id: str, url: str, events: list[str], active: bool, updated_at: str) -> bool:
    """Replace what a subscription sends where, keeping its secret; False when it does not exist."""
    try:
        dynamodb().update_item(
            TableName=table_name(),
            Key=to_item(keys.webhook(webhook_id)),
            UpdateExpression="SET #url = :url, #events = :events, #active = :active, #updated = :updated",
            ConditionExpression="attribute_exists(PK)",
            ExpressionAttributeNames={
                "#url": "url",
                "#events": "events",
                "#active": "active",
                "#updated": "updated_at",
            },
            ExpressionAttributeValues={
                ":url": to_value(url),
                ":events": to_value(events),
                ":active": to_value(active),
                ":updated": to_value(updated_at),
            },
        )
    except ClientError as error:
        if condition_failed(error):
            return False
        raise
    return True


def rotate_secret(webhook_id: str, current: bytes, new: bytes, previous_until: str, updated_at: str) -> bool:
    """Make ``new`` the signing secret and keep ``current`` beside it until ``previous_until``; False when
    the webhook is gone or its secret is no longer ``current`` (a concurrent rotation: read again)."""
    try:
        dynamodb().update_item(
            TableName=table_name(),
            Key=to_item(keys.webhook(webhook_id)),
            UpdateExpression="SET #secret = :new, previous_secret = :current, previous_until = :until, "
            "#updated = :updated",
            ConditionExpression="attribute_exists(PK) AND #secret = :current",
            ExpressionAttributeNames={"#secret": "secret", "#updated": "updated_at"},
            ExpressionAttributeValues={
                ":new": to_value(new),
                ":current": to_value(current),
                ":until": to_value(previous_until),
                ":updated": to_value(updated_at),
            },
        )
    except ClientError as error:
        if condition_failed(error):
            return False
        raise
    return True


def get_webhook(webhook_id: str, consistent: bool = True) -> WebhookRecord | None:
    answer = dynamodb().get_item(
        TableName=table_name(), Key=to_item(keys.webhook(webhook_id)), ConsistentRead=consistent
    )
    return WebhookRecord.from_item(from_item(answer["Item"])) if "Item" in answer else None


def delete_webhook(webhook_id: str) -> None:
    dynamodb().delete_item(TableName=table_name(), Key=to_item(keys.webhook(webhook_id)))


def list_webhooks() -> list[WebhookRecord]:
    found: list[WebhookRecord] = []
    for page in (
        dynamodb()
        .get_paginator("query")
        .paginate(
            TableName=table_name(),
            KeyConditionExpression="PK = :pk AND begins_with(SK, :prefix)",
            ExpressionAttributeValues={":pk": to_value(keys.WEBHOOKS), ":prefix": to_value("WEBHOOK#")},
        )
    ):
        found += [WebhookRecord.from_item(from_item(raw)) for raw in page.get("Items", [])]
    return found


# --- deliveries ------------------------------------------------------------------------------------


def create_delivery(record: DeliveryRecord) -> bool:
    """Record a delivery to make; False when this event was already handed to this webhook."""
    try:
        dynamodb().put_item(
            TableName=table_name(), Item=to_item(record.to_item()), ConditionExpression="attribute_not_exists(PK)"
        )
    except ClientError as error:
        if condition_failed(error):
            return False
        raise
    return True


def get_delivery(webhook_id: str, occurred_at: str, event_id: str) -> DeliveryRecord | None:
    answer = dynamodb().get_item(
        TableName=table_name(), Key=to_item(keys.delivery(webhook_id, occurred_at, event_id)), ConsistentRead=True
    )
    return DeliveryRecord.from_item(from_item(answer["Item"])) if "Item" in answer else None


def record_attempt(
    record: DeliveryRecord,
    status: DeliveryStatus,
    last_status: int | None,
    last_error: str | None,
    next_attempt_at: str | None,
) -> bool:
    """Write an attempt's outcome on a pending delivery (attempts + 1); False if it was no longer pending
    or another attempt got there first."""
    try:
        dynamodb().update_item(
            TableName=table_name(),
            Key=to_item(record.key),
            UpdateExpression="SET #status = :status, attempts = :attempts, last_status = :code, "
            "last_error = :error, next_attempt_at = :next",
            ConditionExpression="#status = :pending AND attempts = :before",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={
                ":status": to_value(status),
                ":attempts": to_value(record.attempts + 1),
                ":code": to_value(last_status),
                ":error": to_value(last_error),
                ":next": to_value(next_attempt_at),
                ":pending": to_value("pending"),
                ":before": to_value(record.attempts),
            },
        )
    except ClientError as error:
        if condition_failed(error):
            return False
        raise
    return True


def _cursor(last_key: dict[str, Any] | None) -> str | None:
    if not last_key:
        return None
    plain = {name: value["S"] for name, value in last_key.items()}
    return base64.urlsafe_b64encode(json.dumps(plain, separators=(",", ":")).encode()).decode()


def _start_key(cursor: str, webhook_id: str) -> dict[str, Any]:
    """The page's start key from an opaque cursor; ValueError when it is not one of ours for this webhook."""
    try:
        plain = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, UnicodeDecodeError) as error:
        raise ValueError("cursor is not valid") from error
    if (
        not isinstance(plain, dict)
        or set(plain) != {"PK", "SK"}
        or plain["PK"] != keys.deliveries_partition(webhook_id)
        or not str(plain["SK"]).startswith("DELIVERY#")
    ):
        raise ValueError("cursor is not valid")
    return {"PK": {"S": plain["PK"]}, "SK": {"S": str(plain["SK"])}}


def list_deliveries(webhook_id: str, limit: int, cursor: str | None) -> tuple[list[DeliveryRecord], str | None]:
    """One page of a webhook's deliveries, newest first."""
    request: dict[str, Any] = {
        "TableName": table_name(),
        "KeyConditionExpression": "PK = :pk AND begins_with(SK, :prefix)",
        "ExpressionAttributeValues": {
            ":pk": to_value(keys.deliveries_partition(webhook_id)),
            ":prefix": to_value("DELIVERY#"),
        },
        "ScanIndexForward": False,
        "Limit": limit,
    }
    if cursor:
        request["ExclusiveStartKey"] = _start_key(cursor, webhook_id)
    answer = dynamodb().query(**request)
    records = [DeliveryRecord.from_item(from_item(raw)) for raw in answer.get("Items", [])]
    return records, _cursor(answer.get("LastEvaluatedKey"))
