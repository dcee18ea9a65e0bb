"""Every primary and index key of the single table is built here, and nowhere else.

Entity prefixes keep the item types apart; see docs/access-patterns.md for who reads what.
"""

from __future__ import annotations

import zlib

PROFILE = "PROFILE"


def member(member_id: str) -> dict[str, str]:
    """The member's profile and balances; lots share the partition so one Query reads both."""
    return {"PK": f"MEMBER#{member_id}", "SK": PROFILE}


def member_partition(member_id: str) -> str:
    return f"MEMBER#{member_id}"


def email(address: str) -> dict[str, str]:
    """Uniqueness guard: one item per lower-cased email, naming its member."""
    return {"PK": f"EMAIL#{address}", "SK": "EMAIL"}


def referral(code: str) -> dict[str, str]:
    """Uniqueness guard and lookup for a member's referral code."""
    return {"PK": f"REFERRAL#{code}", "SK": "REFERRAL"}


def program() -> dict[str, str]:
    """The program configuration: one per deployment (one table, one program)."""
    return {"PK": "PROGRAM", "SK": "CURRENT"}


def api_key(key_hash: str) -> dict[str, str]:
    """An API key, found by the SHA-256 of its value (the value itself is never stored)."""
    return {"PK": f"APIKEY#{key_hash}", "SK": "APIKEY"}


def api_key_id(key_id: str) -> dict[str, str]:
    """Pointer from a key's public id to its hash, so DELETE /v1/admin/keys/{key_id} can find it."""
    return {"PK": f"KEYID#{key_id}", "SK": "KEYID"}


def lot(member_id: str, expires_on: str) -> dict[str, str]:
    """Earned points sharing an expiry day: at most one lot per member per day (9999-12-31 = never)."""
    return {"PK": f"MEMBER#{member_id}", "SK": f"LOT#{expires_on}"}


def order(order_id: str) -> dict[str, str]:
    """An accrued order; keyed by the client's id so a second credit cannot be written."""
    return {"PK": f"ORDER#{order_id}", "SK": "ORDER"}


def refund(refund_id: str) -> dict[str, str]:
    return {"PK": f"REFUND#{refund_id}", "SK": "REFUND"}


def activity(member_id: str, occurred_at: str, entry_id: str) -> dict[str, str]:
    """GSI1 keys that put a ledger entry in its member's activity, in time order."""
    return {"GSI1PK": f"ACTIVITY#{member_id}", "GSI1SK": f"{occurred_at}#{entry_id}"}


def activity_partition(member_id: str) -> str:
    return f"ACTIVITY#{member_id}"


DUE_SHARDS = 16


def shard_of(member_id: str) -> int:
    """A stable shard (0..15) per member, so a day's due work spreads over 16 index partitions."""
    return zlib.crc32(member_id.encode()) % DUE_SHARDS


def due(kind: str, day: str, member_id: str, sort: str) -> dict[str, str]:
    """GSI2 keys of time-driven work: DUE#<kind>#<day>#<shard>, read only on the day it is due."""
    return {"GSI2PK": f"DUE#{kind}#{day}#{shard_of(member_id):02d}", "GSI2SK": sort}


def due_partition(kind: str, day: str, shard: int) -> str:
    """One shard of a day's bucket, as the daily jobs read it (GSI2 to GSI5 by kind)."""
    return f"DUE#{kind}#{day}#{shard:02d}"


def dormancy_check(day: str, member_id: str) -> dict[str, str]:
    """GSI3 keys on a member profile: the day to check whether the member has gone dormant. A lower
    bound (activity since only pushes the real day later); the dormancy job moves it forward."""
    return {"GSI3PK": due_partition("DORMANT", day, shard_of(member_id)), "GSI3SK": f"MEMBER#{member_id}"}


def tier_review(day: str, member_id: str) -> dict[str, str]:
    """GSI4 keys on a member profile above the lowest tier: the day its tier must be reviewed (a lower
    bound, like the dormancy check)."""
    return {"GSI4PK": due_partition("TIER", day, shard_of(member_id)), "GSI4SK": f"MEMBER#{member_id}"}


def expiry_check(day: str, member_id: str) -> dict[str, str]:
    """GSI5 keys on a member profile: the day its soonest points expire (or, for points given back to
    an already ended lot, the day they are queued for). Every write that changes the member's lots
    keeps it exact, so the expiry job reads only members with something to expire."""
    return {"GSI5PK": due_partition("EXPIRY", day, shard_of(member_id)), "GSI5SK": f"MEMBER#{member_id}"}


def expiry_entry(member_id: str, expires_on: str, due_day: str) -> dict[str, str]:
    """The ledger entry of a lot's expiry, keyed so that it is written once. Points given back to an
    already expired lot (a cancelled redemption) are queued for a later day and expire again then."""
    suffix = "" if due_day == expires_on else f"#{due_day}"
    return {"PK": f"EXPIRE#{member_id}#{expires_on}{suffix}", "SK": "EXPIRE"}


def secret(name: str) -> dict[str, str]:
    """A random secret the platform made for itself (e.g. the unsubscribe link signing key)."""
    return {"PK": f"SECRET#{name}", "SK": "SECRET"}


def reward(reward_id: str) -> dict[str, str]:
    return {"PK": f"REWARD#{reward_id}", "SK": "REWARD"}


CATALOG = "CATALOG"


def catalog_entry(reward_id: str) -> dict[str, str]:
    """GSI1 keys listing every reward in one small partition, by id (the catalog is small)."""
    return {"GSI1PK": CATALOG, "GSI1SK": reward_id}


def redemption(redemption_id: str) -> dict[str, str]:
    return {"PK": f"REDEMPTION#{redemption_id}", "SK": "REDEMPTION"}


def voucher(code: str) -> dict[str, str]:
    """Uniqueness guard and lookup of a voucher code."""
    return {"PK": f"VOUCHER#{code}", "SK": "VOUCHER"}


def redeemed_count(member_id: str, reward_id: str) -> dict[str, str]:
    """How often a member redeemed a reward: in the member partition, so the redeem read sees it."""
    return {"PK": f"MEMBER#{member_id}", "SK": f"REDEEMED#{reward_id}"}


def adjustment(adjustment_id: str) -> dict[str, str]:
    return {"PK": f"ADJUSTMENT#{adjustment_id}", "SK": "ADJUSTMENT"}


def redemption_cancel(redemption_id: str) -> dict[str, str]:
    """The ledger entry of a cancelled redemption, written once."""
    return {"PK": f"CANCEL#{redemption_id}", "SK": "CANCEL"}


# --- Events out and integrations in (issue 12) ------------------------------------------------------

WEBHOOKS = "WEBHOOKS"


def webhook(webhook_id: str) -> dict[str, str]:
    """A webhook subscription. All of them share one small partition: the publisher reads them with
    one Query per batch (there are a handful per deployment, not thousands)."""
    return {"PK": WEBHOOKS, "SK": f"WEBHOOK#{webhook_id}"}


def deliveries_partition(webhook_id: str) -> str:
    return f"WEBHOOK#{webhook_id}"


def delivery(webhook_id: str, occurred_at: str, event_id: str) -> dict[str, str]:
    """One event's delivery to one webhook. Every part comes from the event itself, so a stream record
    delivered again builds the same key and ``attribute_not_exists`` refuses a second delivery; the
    event time leads the sort key, so the delivery log reads newest first."""
    return {"PK": deliveries_partition(webhook_id), "SK": f"DELIVERY#{occurred_at}#{event_id}"}


def integration(connection_id: str) -> dict[str, str]:
    """An inbound commerce connection (Shopify, WooCommerce) with its encrypted signing secret."""
    return {"PK": f"INTEGRATION#{connection_id}", "SK": "INTEGRATION"}


def platform_customer(connection_id: str, customer_id: str) -> dict[str, str]:
    """Guard and lookup: a platform's customer id (per connection) -> our member_id."""
    return {"PK": f"CUSTOMER#{connection_id}#{customer_id}", "SK": "CUSTOMER"}
