"""Every primary and index key of the single table is built here, and nowhere else.

Entity prefixes keep the item types apart; see docs/access-patterns.md for who reads what.
"""

from __future__ import annotations

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
