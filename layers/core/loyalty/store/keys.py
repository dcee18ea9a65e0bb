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
