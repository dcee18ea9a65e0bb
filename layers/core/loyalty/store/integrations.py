"""Inbound commerce connections, and the guards that map a platform's customer to a member."""

from __future__ import annotations

from dataclasses import dataclass, field

from botocore.exceptions import ClientError

from loyalty.store import keys
from loyalty.store.client import Item, condition_failed, dynamodb, from_item, table_name, to_item, to_value


@dataclass(frozen=True)
class ConnectionRecord:
    connection_id: str
    platform: str
    match_members_by: str
    auto_enroll: bool
    secret_ciphertext: bytes
    created_at: str
    updated_at: str
    category_by_sku: dict[str, str] = field(default_factory=dict)
    proxy_secret_ciphertext: bytes | None = None  # the App Proxy's signing secret, when not the webhooks'

    def to_item(self) -> Item:
        return {
            **keys.integration(self.connection_id),
            "connection_id": self.connection_id,
            "platform": self.platform,
            "match_members_by": self.match_members_by,
            "auto_enroll": self.auto_enroll,
            "secret": self.secret_ciphertext,
            "category_by_sku": dict(self.category_by_sku),
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            **({"proxy_secret": self.proxy_secret_ciphertext} if self.proxy_secret_ciphertext else {}),
        }

    @classmethod
    def from_item(cls, item: Item) -> ConnectionRecord:
        secret = item["secret"]
        return cls(
            connection_id=str(item["connection_id"]),
            platform=str(item["platform"]),
            match_members_by=str(item["match_members_by"]),
            auto_enroll=bool(item["auto_enroll"]),
            secret_ciphertext=bytes(secret.value if hasattr(secret, "value") else secret),
            created_at=str(item["created_at"]),
            updated_at=str(item["updated_at"]),
            category_by_sku={str(k): str(v) for k, v in (item.get("category_by_sku") or {}).items()},
            proxy_secret_ciphertext=_bytes(item.get("proxy_secret")),
        )


def _bytes(value: object) -> bytes | None:
    return bytes(value) if isinstance(value, bytes | bytearray) else None


def get(connection_id: str) -> ConnectionRecord | None:
    answer = dynamodb().get_item(TableName=table_name(), Key=to_item(keys.integration(connection_id)))
    return ConnectionRecord.from_item(from_item(answer["Item"])) if "Item" in answer else None


def put(record: ConnectionRecord) -> ConnectionRecord | None:
    """Store the connection (keeping its first created_at); returns the one it replaced, if any."""
    answer = dynamodb().put_item(TableName=table_name(), Item=to_item(record.to_item()), ReturnValues="ALL_OLD")
    return ConnectionRecord.from_item(from_item(answer["Attributes"])) if answer.get("Attributes") else None


def member_by_email(email: str) -> str | None:
    """The member holding this (lower-cased) email, from its uniqueness guard."""
    answer = dynamodb().get_item(TableName=table_name(), Key=to_item(keys.email(email)), ConsistentRead=True)
    return str(from_item(answer["Item"])["member_id"]) if "Item" in answer else None


def member_by_customer(connection_id: str, customer_id: str) -> str | None:
    answer = dynamodb().get_item(
        TableName=table_name(), Key=to_item(keys.platform_customer(connection_id, customer_id)), ConsistentRead=True
    )
    return str(from_item(answer["Item"])["member_id"]) if "Item" in answer else None


def link_customer(connection_id: str, customer_id: str, member_id: str) -> str:
    """Map the customer to ``member_id`` unless it is mapped already; returns the member it maps to.
    The member's side of the link is written first, so the member's erasure always finds a guard that
    names it (a side whose guard names another member is deleted by that erasure, guard untouched)."""
    ids = {"member_id": member_id, "connection_id": connection_id, "customer_id": customer_id}
    dynamodb().put_item(
        TableName=table_name(), Item=to_item({**keys.customer_link(member_id, connection_id, customer_id), **ids})
    )
    try:
        dynamodb().put_item(
            TableName=table_name(),
            Item=to_item({**keys.platform_customer(connection_id, customer_id), **ids}),
            ConditionExpression="attribute_not_exists(PK)",
        )
    except ClientError as error:
        if not condition_failed(error):
            raise
        existing = member_by_customer(connection_id, customer_id)
        return existing or member_id
    return member_id


def customer_links(member_id: str) -> list[tuple[str, str]]:
    """The (connection_id, customer_id) pairs linked to the member (a handful: one per connection)."""
    answer = dynamodb().query(
        TableName=table_name(),
        KeyConditionExpression="PK = :pk AND begins_with(SK, :prefix)",
        ExpressionAttributeValues={
            ":pk": to_value(keys.member_partition(member_id)),
            ":prefix": to_value(keys.CUSTOMER_LINK_PREFIX),
        },
        ConsistentRead=True,
    )
    found = [from_item(raw) for raw in answer.get("Items", [])]
    return [(str(item["connection_id"]), str(item["customer_id"])) for item in found]


def unlink_customer(member_id: str, connection_id: str, customer_id: str) -> None:
    """Delete both sides of a link (erasure); the guard only while it still names this member."""
    try:
        dynamodb().delete_item(
            TableName=table_name(),
            Key=to_item(keys.platform_customer(connection_id, customer_id)),
            ConditionExpression="member_id = :member",
            ExpressionAttributeValues={":member": to_value(member_id)},
        )
    except ClientError as error:
        if not condition_failed(error):
            raise
    dynamodb().delete_item(
        TableName=table_name(), Key=to_item(keys.customer_link(member_id, connection_id, customer_id))
    )
