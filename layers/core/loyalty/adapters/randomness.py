"""Unguessable identifiers and codes, from the OS's CSPRNG."""

from __future__ import annotations

import secrets

# Crockford-style alphabet: no 0/O, 1/I/L, U, so codes read aloud or typed from paper don't get confused.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"


def code(length: int = 14) -> str:
    """A code from ``CODE_ALPHABET``; 14 characters carry log2(30^14) = 68.7 bits of randomness."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def api_key() -> str:
    """A bearer key: prefix for secret scanners, then 256 bits of randomness."""
    return "lk_" + secrets.token_urlsafe(32)


def key_id() -> str:
    return "key_" + secrets.token_hex(8)


def token_id() -> str:
    """A member token's id (``jti``): 96 random bits, so two tokens never share one."""
    return secrets.token_urlsafe(12)
