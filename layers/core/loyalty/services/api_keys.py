"""API keys: issue (shown once), resolve to a scope (authorizer), revoke."""

from __future__ import annotations

import hashlib
import time

from botocore.exceptions import ClientError

from loyalty.adapters import clock, randomness
from loyalty.models.api_key import KeyCreated, KeyRequest
from loyalty.settings import settings
from loyalty.store import api_keys as key_store
from loyalty.store.api_keys import KeyRecord

# sha256(key) -> (monotonic time, item or None). Warm authorizers skip the GetItem for a key they saw
# within AUTH_CACHE_SECONDS; a revoked key therefore stops working within that many seconds.
_seen: dict[str, tuple[float, KeyRecord | None]] = {}
_MAX_CACHED = 1000


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create(request: KeyRequest) -> KeyCreated:
    key = randomness.api_key()
    key_id = randomness.key_id()
    key_store.create(digest(key), key_id, request.scope, request.label, clock.isoformat(clock.now()))
    return KeyCreated(key_id=key_id, key=key, scope=request.scope, label=request.label)


def bootstrap_key(value: str, scope: str, label: str) -> None:
    """Store a key whose value the operator chose (the local stack's admin key); idempotent."""
    if key_store.find(digest(value)) is not None:
        return
    try:
        key_store.create(digest(value), randomness.key_id(), scope, label, clock.isoformat(clock.now()))
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
            raise


def store(value: str, key_id: str, scope: str, label: str) -> None:
    """Store a key made elsewhere (the stack's admin key) under the public id given; idempotent."""
    if key_store.find(digest(value)) is not None:
        return
    try:
        key_store.create(digest(value), key_id, scope, label, clock.isoformat(clock.now()))
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
            raise


def revoke(key_id: str) -> None:
    """Revoking an unknown or already revoked key is not an error: DELETE is safe to retry."""
    key_store.revoke(key_id)
    _seen.clear()


def resolve(authorization: str | None) -> KeyRecord | None:
    """The stored key record for an ``Authorization: Bearer <key>`` header, or None."""
    if not authorization:
        return None
    scheme, _, key = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        return None
    key_hash = digest(key.strip())
    ttl = settings().auth_cache_seconds
    hit = _seen.get(key_hash)
    if hit is not None and time.monotonic() - hit[0] < ttl:
        return hit[1]
    record = key_store.find(key_hash)
    if ttl > 0:
        if len(_seen) >= _MAX_CACHED:
            _seen.clear()
        _seen[key_hash] = (time.monotonic(), record)
    return record
