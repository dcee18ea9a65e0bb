"""Inbound commerce connections, and the guards that map a platform's customer to a member."""

from __future__ import annotations

from dataclasses import dataclass, field

from loyalty.store import items, keys
from loyalty.store.client import Item, dynamodb, from_item, table_name, to_item


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
        stored = items.attributes(self, but=("secret_ciphertext", "proxy_secret_ciphertext"))
        secrets = {"secret": self.secret_ciphertext, "proxy_secret": self.proxy_secret_ciphertext}
        return items.present({**keys.integration(self.connection_id), **stored, **secrets})

    @classmethod
    def from_item(cls, item: Item) -> ConnectionRecord:
        proxy = _bytes(item.get("proxy_secret"))
        return items.build(cls, item, secret_ciphertext=bytes(item["secret"]), proxy_secret_ciphertext=proxy)


def _bytes(value: object) -> bytes | None:
    return bytes(value) if isinstance(value, bytes | bytearray) else None


def get(connection_id: str) -> ConnectionRecord | None:
    return items.get(keys.integration(connection_id), ConnectionRecord.from_item, consistent=False)


def put(record: ConnectionRecord) -> ConnectionRecord | None:
    """Store the connection (keeping its first created_at); returns the one it replaced, if any."""
    answer = dynamodb().put_item(TableName=table_name(), Item=to_item(record.to_item()), ReturnValues="ALL_OLD")
    return ConnectionRecord.from_item(from_item(answer["Attributes"])) if answer.get("Attributes") else None


def _member_id(guard: Item) -> str:
    return str(guard["member_id"])


def member_by_email(email: str) -> str | None:
    """The member holding this (lower-cased) email, from its uniqueness guard."""
    return items.get(keys.email(email), _member_id)


def member_by_customer(connection_id: str, customer_id: str) -> str | None:
    return items.get(keys.platform_customer(connection_id, customer_id), _member_id)


def link_customer(connection_id: str, customer_id: str, member_id: str) -> str:
    """Map the customer to ``member_id`` unless it is mapped already; returns the member it maps to.
    The member's side of the link is written first, so the member's erasure always finds a guard that
    names it (a side whose guard names another member is deleted by that erasure, guard untouched)."""
    ids = {"member_id": member_id, "connection_id": connection_id, "customer_id": customer_id}
    items.put({**keys.customer_link(member_id, connection_id, customer_id), **ids})
    if items.put({**keys.platform_customer(connection_id, customer_id), **ids}, items.NEW).written:
        return member_id
    return member_by_customer(connection_id, customer_id) or member_id


def customer_links(member_id: str) -> list[tuple[str, str]]:
    """The (connection_id, customer_id) pairs linked to the member (a handful: one per connection)."""
    request = items.query(keys.member_partition(member_id), prefix=keys.CUSTOMER_LINK_PREFIX, consistent=True)
    return [(str(item["connection_id"]), str(item["customer_id"])) for item in items.first_page(request)]


def unlink_customer(member_id: str, connection_id: str, customer_id: str) -> None:
    """Delete both sides of a link (erasure); the guard only while it still names this member."""
    guard = keys.platform_customer(connection_id, customer_id)
    items.delete(guard, "member_id = :member", {":member": member_id})
    items.delete(keys.customer_link(member_id, connection_id, customer_id))
