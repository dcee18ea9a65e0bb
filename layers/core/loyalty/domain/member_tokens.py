"""Member tokens: what a storefront's server hands a shopper's browser so that it may read (and, with
scope ``redeem``, spend) that one member's points through ``/v1/me``, and nothing else.

A token is a JWT (RFC 7519) in JWS compact form (RFC 7515), signed with HMAC-SHA256 (``HS256``) under a
key the deployment generated and keeps in Secrets Manager; its header names that key (``kid``) so that
two keys verify during a rotation. Made and checked here with the standard library: HS256 is one HMAC,
and a JWT library would add a dependency to every function of the layer for it. Any JWT library reads
these tokens (tests/unit/test_member_tokens.py checks them against joserfc, both ways).

What verification refuses, before anything is decoded as JSON: a value that is not three base64url
segments, a header that is not exactly ``HS256`` (no ``none``, no other algorithm: the classic JWT
confusions), an unknown ``kid``, a signature that differs from the one the key makes (compared in
constant time, as text, so no second encoding of the same bytes passes). Only then are the claims read:
issuer, audience, subject, scopes, and the expiry (an expired token is told apart, so the widget asks
for a new one). All of it is pure: the caller brings the keys and the clock.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeGuard

ALGORITHM = "HS256"
ISSUER = "loyalty"
AUDIENCE = "loyalty:me"
SCOPES = ("read", "redeem")
MIN_TTL_SECONDS, MAX_TTL_SECONDS, DEFAULT_TTL_SECONDS = 60, 86_400, 3_600
MAX_TOKEN_LENGTH = 2048
# Three base64url segments; the header and the claims are JSON objects, so both start with "eyJ" ('{"').
# A 32-byte HMAC is 43 base64url characters without padding.
_SHAPE = re.compile(r"eyJ[A-Za-z0-9_-]{1,600}\.eyJ[A-Za-z0-9_-]{1,1400}\.[A-Za-z0-9_-]{43}")
_KEY_ID = re.compile(r"[A-Za-z0-9_.:-]{1,128}")

Refusal = Literal["invalid", "expired", "unknown_key"]


@dataclass(frozen=True)
class Claims:
    """What a token says: whose points it opens, what it may do there, until when, and which API key
    asked for it (recorded as the ``key_id`` of the writes made with it)."""

    member_id: str
    scopes: frozenset[str]
    issued_at: int  # seconds since the epoch
    expires_at: int
    token_id: str
    key_id: str | None = None


def looks_like_token(value: str) -> bool:
    """The shape of a token (no key needed): an API key never has it (loyalty.models.api_key)."""
    return len(value) <= MAX_TOKEN_LENGTH and _SHAPE.fullmatch(value) is not None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _json(data: dict[str, Any]) -> str:
    return _b64(json.dumps(data, separators=(",", ":"), sort_keys=True).encode())


def _mac(key: bytes, signing_input: str) -> str:
    return _b64(hmac.new(key, signing_input.encode("ascii"), hashlib.sha256).digest())


def encode(claims: Claims, kid: str, key: bytes) -> str:
    header = {"alg": ALGORITHM, "typ": "JWT", "kid": kid}
    payload: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": claims.member_id,
        "scope": " ".join(sorted(claims.scopes)),
        "iat": claims.issued_at,
        "exp": claims.expires_at,
        "jti": claims.token_id,
    }
    if claims.key_id is not None:
        payload["key"] = claims.key_id
    signing_input = f"{_json(header)}.{_json(payload)}"
    return f"{signing_input}.{_mac(key, signing_input)}"


def _object(segment: str) -> dict[str, Any] | None:
    try:
        value = json.loads(_unb64(segment))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    return value if isinstance(value, dict) else None


def key_id_of(token: str) -> str | None:
    """The ``kid`` of a token's header, when the header is one this platform makes (HS256, a kid)."""
    if not looks_like_token(token):
        return None
    header = _object(token.split(".", 1)[0])
    if header is None or header.get("alg") != ALGORITHM or header.get("typ", "JWT") != "JWT":
        return None
    kid = header.get("kid")
    if not isinstance(kid, str) or not _KEY_ID.fullmatch(kid) or set(header) - {"alg", "typ", "kid"}:
        return None
    return kid


def decode(token: str, keys: Mapping[str, bytes], now: int) -> Claims | Refusal:
    """The token's claims when one of ``keys`` (kid -> key) signed it and it has not expired at ``now``;
    else why not. ``unknown_key`` lets the caller read its keys again once (a rotation it has not seen)."""
    kid = key_id_of(token)
    if kid is None:
        return "invalid"
    key = keys.get(kid)
    if key is None:
        return "unknown_key"
    signing_input, _, signature = token.rpartition(".")
    if not hmac.compare_digest(_mac(key, signing_input), signature):
        return "invalid"
    claims = _claims(_object(signing_input.split(".", 1)[1]))
    if claims is None:
        return "invalid"
    return "expired" if claims.expires_at <= now else claims


def _claims(payload: dict[str, Any] | None) -> Claims | None:
    """The claims of a signed payload, when they are the ones ``encode`` writes (a key of ours signed it,
    so anything else is a token of another purpose, or a bug: refused either way)."""
    if payload is None or payload.get("iss") != ISSUER or payload.get("aud") != AUDIENCE:
        return None
    subject, scope, token_id = payload.get("sub"), payload.get("scope"), payload.get("jti")
    issued, expires, key_id = payload.get("iat"), payload.get("exp"), payload.get("key")
    if not (isinstance(subject, str) and subject and isinstance(scope, str) and isinstance(token_id, str)):
        return None
    if not (_whole(issued) and _whole(expires)):
        return None
    scopes = frozenset(scope.split())
    if not scopes or not scopes <= set(SCOPES) or (key_id is not None and not isinstance(key_id, str)):
        return None
    return Claims(subject, scopes, issued, expires, token_id, key_id)


def _whole(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)
