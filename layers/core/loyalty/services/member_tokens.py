"""Member tokens: issued to a storefront's server for one member (``POST /v1/members/{id}/tokens``), and
checked by the function that serves ``/v1/me`` (ShopperFunction) on every request, without a DynamoDB read.

The keys live in one Secrets Manager secret the stack generates (``MemberTokenSecret``): its
``AWSCURRENT`` version signs, and its ``AWSPREVIOUS`` version still verifies, so a rotation (a new
version put into the secret: docs/security.md) ends no token early. A key's id (``kid`` in the token's
header) is the secret's version id. A warm process keeps both keys for MEMBER_TOKEN_KEY_CACHE_SECONDS
(two GetSecretValue calls per process per 5 minutes by default); a token naming a key the process does
not know (a rotation it has not seen yet) makes it read them again, at most once per
MEMBER_TOKEN_KEY_REFRESH_SECONDS, so a flood of forged key ids costs Secrets Manager nothing more.

Verification reads nothing of the member: the route does (a token of an erased member answers 401
there, loyalty.services.me), which is how erasure ends a member's tokens.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from loyalty.adapters import clock, randomness, secrets_manager
from loyalty.domain import credentials
from loyalty.domain import member_tokens as tokens
from loyalty.domain.member_tokens import Claims
from loyalty.models.me import TokenCreated, TokenRequest
from loyalty.services.member_writes import active_state
from loyalty.settings import settings

CURRENT, PREVIOUS = "AWSCURRENT", "AWSPREVIOUS"


@dataclass(frozen=True)
class Keyring:
    signing_kid: str
    signing_key: bytes
    verifying: dict[str, bytes]  # kid -> key: the current version and the one before it


# secret id -> (monotonic time of the read, keyring)
_read_at: dict[str, tuple[float, Keyring]] = {}


def forget() -> None:
    _read_at.clear()


def _secret_id() -> str:
    secret_id = settings().member_token_secret_id
    if not secret_id:
        raise RuntimeError("MEMBER_TOKEN_SECRET_ID is not set: member tokens can be neither made nor checked")
    return secret_id


def _read(secret_id: str) -> Keyring:
    current = secrets_manager.version(secret_id, CURRENT)
    if current is None:
        raise RuntimeError("the member token secret has no current value")
    previous = secrets_manager.version(secret_id, PREVIOUS)
    verifying = {current[0]: current[1].encode()}
    if previous is not None:
        verifying[previous[0]] = previous[1].encode()
    return Keyring(current[0], current[1].encode(), verifying)


def keyring(*, unknown_key: bool = False) -> Keyring:
    """The keys, from this process's copy while it is fresh. ``unknown_key``: a token named a key the copy
    lacks, so read again, unless the copy is younger than MEMBER_TOKEN_KEY_REFRESH_SECONDS."""
    secret_id = _secret_id()
    now = time.monotonic()
    hit = _read_at.get(secret_id)
    if hit is not None:
        age = now - hit[0]
        config = settings()
        fresh_for = config.member_token_key_refresh_seconds if unknown_key else config.member_token_key_cache_seconds
        if age < fresh_for:
            return hit[1]
    ring = _read(secret_id)
    _read_at[secret_id] = (now, ring)
    return ring


def issue(member_id: str, request: TokenRequest, key_id: str | None) -> TokenCreated:
    """A token for an active member (one GetItem: an unknown one is 404, an erased or merged one 409)."""
    active_state(member_id, "none")
    issued = int(clock.now().timestamp())
    expires = issued + request.ttl_seconds
    claims = Claims(member_id, frozenset(request.scope), issued, expires, randomness.token_id(), key_id)
    ring = keyring()
    token = tokens.encode(claims, ring.signing_kid, ring.signing_key)
    return TokenCreated(token=token, expires_at=datetime.fromtimestamp(expires, UTC))


def verify(token: str) -> Claims | Literal["expired"] | None:
    """The token's claims, ``"expired"``, or None (not ours: malformed, tampered, an unknown key)."""
    now = int(clock.now().timestamp())
    verdict = tokens.decode(token, keyring().verifying, now)
    if verdict == "unknown_key":
        verdict = tokens.decode(token, keyring(unknown_key=True).verifying, now)
    if isinstance(verdict, Claims):
        return verdict
    return "expired" if verdict == "expired" else None


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header when it has a token's shape (no I/O)."""
    value = credentials.bearer(authorization)
    return value if value is not None and tokens.looks_like_token(value) else None


def token_caller(authorization: str | None) -> dict[str, str] | None:
    """Who a member token says is calling (scope ``member``, whose, which scopes), verified; ``scope:
    none`` for a bad or expired one; None when the header holds no token's shape (an API key's, or
    nothing: loyalty.services.api_keys decides). The routes read it through loyalty.entrypoints.access."""
    token = bearer_token(authorization)
    if token is None:
        return None
    verdict = verify(token)
    if verdict is None:
        return {"scope": "none"}
    if verdict == "expired":
        return {"scope": "none", "reason": "token_expired"}
    return {
        "scope": "member",
        "member_id": verdict.member_id,
        "token_scope": " ".join(sorted(verdict.scopes)),
        "token_id": verdict.token_id,
        "key_id": verdict.key_id or "",
    }
