"""Connections: which platform posts to ``/v1/integrations/{connection_id}/webhooks``, with which secret."""

from __future__ import annotations

import time

from loyalty.adapters import clock, kms
from loyalty.models.common import from_record
from loyalty.models.integrations import Connection, ConnectionRequest
from loyalty.settings import settings
from loyalty.store import integrations as store

_cache: dict[str, tuple[float, store.ConnectionRecord | None, bytes | None]] = {}
_proxy_cache: dict[str, tuple[float, bytes]] = {}


def forget() -> None:
    _cache.clear()
    _proxy_cache.clear()


def _context(connection_id: str) -> dict[str, str]:
    return {"purpose": "integration-secret", "connection_id": connection_id}


def _proxy_context(connection_id: str) -> dict[str, str]:
    return {"purpose": "integration-proxy-secret", "connection_id": connection_id}


def webhook_path(connection_id: str) -> str:
    return f"/v1/integrations/{connection_id}/webhooks"


def view(record: store.ConnectionRecord) -> Connection:
    return from_record(Connection, record, webhook_path=webhook_path(record.connection_id))


def save(connection_id: str, request: ConnectionRequest) -> tuple[Connection, bool]:
    """Create or replace a connection (its secret encrypted under the stack's key); (view, created)."""
    now = clock.isoformat(clock.now())
    existing = store.get(connection_id)
    record = store.ConnectionRecord(
        connection_id=connection_id,
        platform=request.platform,
        match_members_by=request.match_members_by,
        auto_enroll=request.auto_enroll,
        secret_ciphertext=kms.encrypt(request.secret.encode(), _context(connection_id)),
        created_at=existing.created_at if existing else now,
        updated_at=now,
        category_by_sku=dict(request.category_by_sku or {}),
        proxy_secret_ciphertext=(
            kms.encrypt(request.proxy_secret.encode(), _proxy_context(connection_id)) if request.proxy_secret else None
        ),
    )
    store.put(record)
    _cache.pop(connection_id, None)
    _proxy_cache.pop(connection_id, None)
    return view(record), existing is None


def get(connection_id: str) -> store.ConnectionRecord | None:
    """The connection without its secret (the accrual consumer needs no KMS access)."""
    return store.get(connection_id)


def with_secret(connection_id: str) -> tuple[store.ConnectionRecord | None, bytes | None]:
    """The connection and its decrypted secret, cached for PROGRAM_CACHE_SECONDS (one KMS call a minute)."""
    cached = _cache.get(connection_id)
    if cached is not None and time.monotonic() - cached[0] < settings().program_cache_seconds:
        return cached[1], cached[2]
    record = store.get(connection_id)
    secret = kms.decrypt(record.secret_ciphertext, _context(connection_id)) if record else None
    _cache[connection_id] = (time.monotonic(), record, secret)
    return record, secret


def proxy_secret(connection_id: str) -> tuple[store.ConnectionRecord | None, bytes | None]:
    """The connection and the secret its Shopify App Proxy requests are signed with (its proxy_secret,
    else its webhook secret), cached like ``with_secret``."""
    record, secret = with_secret(connection_id)
    if record is None or record.proxy_secret_ciphertext is None:
        return record, secret
    cached = _proxy_cache.get(connection_id)
    if cached is not None and time.monotonic() - cached[0] < settings().program_cache_seconds:
        return record, cached[1]
    own = kms.decrypt(record.proxy_secret_ciphertext, _proxy_context(connection_id))
    _proxy_cache[connection_id] = (time.monotonic(), own)
    return record, own
