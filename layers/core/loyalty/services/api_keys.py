"""API keys: issue (shown once), resolve to a scope (every API function, for the request it serves), revoke.

There is no Lambda authorizer: the route's own function checks the key before it reads anything else
(loyalty.entrypoints.access), so a request runs one function. What a request costs here (docs/security.md):

- no ``Authorization`` header, another scheme, or a value that is not the shape of an issued key
  (``lk_`` and 43 base64url characters): nothing but a regular expression, **no DynamoDB read**;
- a well-formed key: one strongly consistent GetItem (1 read unit: the item is far below 4 KB) the first
  time this warm process sees it, then none for ``AUTH_CACHE_SECONDS`` (at most 4). So a busy key costs at
  most one read per warm function instance per 4 s, whatever the request rate.

A key is stored only as its SHA-256 and found by it: the key itself is never compared with anything, so
there is no comparison whose time could leak it (what DynamoDB matches is the digest, which says nothing
about the key). The chosen keys of bootstrap_key are told apart by their digest too.

Revocation: ``DELETE /v1/admin/keys/{key_id}`` deletes the item in a transaction; every process's next
lookup after its cached entry ages out reads it strongly consistently, so the key is refused everywhere
within ``AUTH_CACHE_SECONDS`` plus one request's latency, under the contract's 5 seconds. A cached answer
and not a per-request revocation check: the check would cost the same one read per request that the
cache saves, on one hot item.
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict

from botocore.exceptions import ClientError

from loyalty.adapters import clock, randomness
from loyalty.domain import credentials
from loyalty.models.api_key import KEY_FORMAT, KeyCreated, KeyRequest
from loyalty.settings import settings
from loyalty.store import api_keys as key_store
from loyalty.store.api_keys import KeyRecord

# sha256(key) -> (monotonic time of the read, item or None), least recently used first. Bounded, and
# evicted one entry at a time, so a flood of made-up keys cannot flush the entries of the real ones.
_seen: OrderedDict[str, tuple[float, KeyRecord | None]] = OrderedDict()
_MAX_CACHED = 1000
# Digests of keys whose value an operator chose (bootstrap_key: the local stack's LOYALTY_ADMIN_KEY, the
# tests' admin key). They need not have the issued shape; only the process that stored them (the local
# stack runs every function in one process) accepts them, and ``make invoke``'s, which the stack tells
# (accept_chosen). Deployed keys are all issued ones.
_chosen: set[str] = set()


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create(request: KeyRequest) -> KeyCreated:
    key = randomness.api_key()
    key_id = randomness.key_id()
    key_store.create(digest(key), key_id, request.scope, request.label, clock.isoformat(clock.now()))
    return KeyCreated(key_id=key_id, key=key, scope=request.scope, label=request.label)


def bootstrap_key(value: str, scope: str, label: str) -> None:
    """Store a key whose value the operator chose (the local stack's admin key); idempotent."""
    _chosen.add(digest(value))
    if key_store.find(digest(value)) is not None:
        return
    try:
        key_store.create(digest(value), randomness.key_id(), scope, label, clock.isoformat(clock.now()))
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
            raise


def chosen_digests() -> list[str]:
    """The digests of the chosen keys this process accepts (what the local stack tells ``make invoke``)."""
    return sorted(_chosen)


def accept_chosen(digests: list[str]) -> None:
    """Accept the chosen keys another process of the local stack stored (by their digests, never the keys)."""
    _chosen.update(digests)


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
    _seen.clear()  # this process at once (the local stack runs every function in it); others within the TTL


def bearer_key(authorization: str | None) -> str | None:
    """The key of an ``Authorization: Bearer <key>`` header when it has the shape of one this platform
    issues (or an operator chose, see bootstrap_key), else None. No I/O: what fails here costs no read."""
    key = credentials.bearer(authorization)
    if key is None:
        return None
    if KEY_FORMAT.fullmatch(key) or (_chosen and digest(key) in _chosen):
        return key
    return None


def resolve(authorization: str | None) -> KeyRecord | None:
    """The stored key record for an ``Authorization: Bearer <key>`` header, or None (see the module
    docstring for what that costs)."""
    key = bearer_key(authorization)
    if key is None:
        return None
    key_hash = digest(key)
    ttl = settings().auth_cache_seconds
    now = time.monotonic()
    hit = _seen.get(key_hash)
    if hit is not None and now - hit[0] < ttl:
        _seen.move_to_end(key_hash)
        return hit[1]
    record = key_store.find(key_hash, consistent=True)
    if ttl > 0:
        _seen[key_hash] = (now, record)
        _seen.move_to_end(key_hash)
        while len(_seen) > _MAX_CACHED:
            _seen.popitem(last=False)
    return record
