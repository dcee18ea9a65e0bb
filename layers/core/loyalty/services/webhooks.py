"""Webhooks by the Standard Webhooks specification: subscriptions, fan-out and delivery attempts.

- A subscription's secret (``whsec_`` + base64 of 32 random bytes) is shown once, when it is created,
  and kept encrypted under the stack's KMS key (it must be usable for signing, so it cannot be hashed).
- The publisher fans each event out to the subscriptions that want its type: one delivery item per
  (webhook, event), created with ``attribute_not_exists``, and one FIFO message per delivery.
- The delivery worker POSTs the envelope with ``webhook-id`` (the event id), ``webhook-timestamp`` and
  ``webhook-signature`` (``v1,<base64 HMAC-SHA256 of "id.timestamp.body">``). A non-2xx answer or no
  answer is retried after ``BACKOFF`` (27.6 hours in all), by making the message visible again later
  (never by sleeping), then the delivery is ``failed``.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from aws_lambda_powertools import Logger
from standardwebhooks.webhooks import Webhook as Signer

from loyalty.adapters import clock, delivery_queue, kms, webhook_http
from loyalty.domain.errors import InvalidInput, NotFound
from loyalty.models.common import Page, rfc3339
from loyalty.models.events import Envelope
from loyalty.models.webhooks import Delivery, DeliveryMessage, Webhook, WebhookCreated, WebhookRequest
from loyalty.settings import settings
from loyalty.store import webhooks as store

logger = Logger(child=True)

SECRET_PREFIX = "whsec_"  # noqa: S105 - the format's prefix, not a secret
# Seconds to wait after each failed attempt (the Standard Webhooks spec's example schedule): attempt 1
# at once, then after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h; 8 attempts over 27 h 35 min.
BACKOFF = (5, 300, 1800, 7200, 18000, 36000, 36000)
ATTEMPTS = len(BACKOFF) + 1
DELIVERY_LOG_DAYS = 30  # deliveries leave the log (TTL) a month after they were made

_cache: dict[str, tuple[float, store.WebhookRecord | None, bytes | None]] = {}
_subscriptions: tuple[float, list[store.WebhookRecord]] | None = None


def forget() -> None:
    """Drop the in-process caches (tests; a warm function otherwise trusts them PROGRAM_CACHE_SECONDS)."""
    global _subscriptions
    _cache.clear()
    _subscriptions = None


def _context(webhook_id: str) -> dict[str, str]:
    return {"purpose": "webhook-secret", "webhook_id": webhook_id}


def _view(record: store.WebhookRecord) -> Webhook:
    return Webhook(
        webhook_id=record.webhook_id,
        url=record.url,
        events=record.events,
        active=record.active,
        created_at=datetime.fromisoformat(record.created_at),
        updated_at=datetime.fromisoformat(record.updated_at),
    )


def _checked_url(url: str) -> None:
    try:
        webhook_http.check(url, settings().webhooks_allow_loopback)
    except webhook_http.UnsafeUrl as error:
        raise InvalidInput(f"url: {error}", ["body", "url"]) from None


# --- admin -----------------------------------------------------------------------------------------


def put(webhook_id: str, request: WebhookRequest) -> tuple[Webhook, bool]:
    """Create (with a new secret, returned once) or replace (the secret is kept); (webhook, created)."""
    global _subscriptions
    _checked_url(request.url)
    now = clock.isoformat(clock.now())
    _subscriptions = None
    if store.replace_webhook(webhook_id, request.url, request.events, request.active, now):
        record = store.get_webhook(webhook_id)
        if record is not None:
            return _view(record), False
    secret = SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()
    record = store.WebhookRecord(
        webhook_id=webhook_id,
        url=request.url,
        events=request.events,
        active=request.active,
        secret_ciphertext=kms.encrypt(secret.encode(), _context(webhook_id)),
        created_at=now,
        updated_at=now,
    )
    if not store.create_webhook(record):  # created a moment ago by a concurrent PUT: replace it instead
        return put(webhook_id, request)
    return WebhookCreated(**_view(record).model_dump(), secret=secret), True


def delete(webhook_id: str) -> None:
    """Stop sending (idempotent). Deliveries still queued find no webhook and are marked failed."""
    global _subscriptions
    store.delete_webhook(webhook_id)
    _cache.pop(webhook_id, None)
    _subscriptions = None


def deliveries(webhook_id: str, limit: int, cursor: str | None) -> Page[Delivery]:
    if store.get_webhook(webhook_id, consistent=False) is None:
        raise NotFound(f"No webhook '{webhook_id}'.")
    try:
        records, next_cursor = store.list_deliveries(webhook_id, limit, cursor)
    except ValueError as error:
        raise InvalidInput(str(error), ["query", "cursor"]) from None
    items = [
        Delivery(
            delivery_id=r.delivery_id,
            event_id=r.event_id,
            type=r.type,
            status=r.status,
            attempts=r.attempts,
            last_status=r.last_status,
            last_error=r.last_error,
            next_attempt_at=datetime.fromisoformat(r.next_attempt_at) if r.next_attempt_at else None,
        )
        for r in records
    ]
    return Page[Delivery](items=items, next_cursor=next_cursor)


# --- fan-out (the publisher) -----------------------------------------------------------------------


def subscriptions() -> list[store.WebhookRecord]:
    """Every subscription, read at most once per PROGRAM_CACHE_SECONDS by a warm publisher."""
    global _subscriptions
    ttl = settings().program_cache_seconds
    if _subscriptions is None or time.monotonic() - _subscriptions[0] >= ttl:
        _subscriptions = (time.monotonic(), store.list_webhooks())
    return _subscriptions[1]


def delivery_id(webhook_id: str, event_id: str) -> str:
    """Stable: the same event to the same webhook is always the same delivery."""
    return "dlv_" + hashlib.sha256(f"{webhook_id}\n{event_id}".encode()).hexdigest()[:24]


def fan_out(events: Sequence[Envelope], subscriptions: Sequence[store.WebhookRecord]) -> int:
    """Create and queue the deliveries of ``events`` (in order); returns how many were queued.

    A delivery that exists already (the stream record was delivered again) is queued again: it may be
    the one a crash left unqueued. The FIFO queue drops the copy within five minutes, and after that
    the worker sees the delivery is no longer pending and drops it.
    """
    now = clock.now()
    expires = int((now + timedelta(days=DELIVERY_LOG_DAYS)).timestamp())
    outgoing: list[delivery_queue.Outgoing] = []
    for event in events:
        occurred_at = rfc3339(event.occurred_at)
        body = event.body()
        for subscription in subscriptions:
            if not subscription.wants(event.type):
                continue
            record = store.DeliveryRecord(
                webhook_id=subscription.webhook_id,
                event_id=event.id,
                occurred_at=occurred_at,
                delivery_id=delivery_id(subscription.webhook_id, event.id),
                type=event.type,
                member_id=event.member_id,
                created_at=rfc3339(now),
                ttl=expires,
            )
            store.create_delivery(record)
            message = DeliveryMessage(
                webhook_id=subscription.webhook_id, event_id=event.id, occurred_at=occurred_at, body=body
            )
            outgoing.append(
                delivery_queue.Outgoing(
                    body=message.model_dump_json(),
                    group=delivery_queue.group_id(subscription.webhook_id, event.member_id),
                    deduplication=record.delivery_id,
                )
            )
    delivery_queue.send(outgoing)
    return len(outgoing)


# --- delivery (the worker) -------------------------------------------------------------------------


@dataclass(frozen=True)
class Attempted:
    outcome: Literal["delivered", "retry", "failed", "dropped"]
    retry_in: int = 0
    status: int | None = None


def _webhook_and_secret(webhook_id: str) -> tuple[store.WebhookRecord | None, bytes | None]:
    """The subscription and its decrypted secret, cached briefly (one KMS call per webhook per minute)."""
    cached = _cache.get(webhook_id)
    if cached is not None and time.monotonic() - cached[0] < settings().program_cache_seconds:
        return cached[1], cached[2]
    record = store.get_webhook(webhook_id, consistent=False)
    secret = kms.decrypt(record.secret_ciphertext, _context(webhook_id)) if record else None
    _cache[webhook_id] = (time.monotonic(), record, secret)
    return record, secret


def signature_headers(secret: bytes, event_id: str, body: str, moment: datetime) -> dict[str, str]:
    """The Standard Webhooks headers for one attempt (signed with the reference library)."""
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": Signer(secret.decode()).sign(event_id, moment.astimezone(UTC), body),
    }


def attempt(message: DeliveryMessage, receipt_handle: str) -> Attempted:
    """One delivery attempt; on a failure to retry, the message comes back after the backoff."""
    record = store.get_delivery(message.webhook_id, message.occurred_at, message.event_id)
    if record is None or record.status != "pending":
        return Attempted("dropped")  # delivered or given up already: this message is a copy
    webhook, secret = _webhook_and_secret(message.webhook_id)
    if webhook is None or secret is None or not webhook.active:
        reason = "webhook deleted" if webhook is None else "webhook inactive"
        store.record_attempt(record, "failed", None, reason, None)
        return Attempted("failed")
    now = clock.now()
    answer = webhook_http.post(
        webhook.url,
        signature_headers(secret, message.event_id, message.body, now),
        message.body,
        settings().webhooks_allow_loopback,
    )
    attempts = record.attempts + 1
    if answer.ok:
        store.record_attempt(record, "delivered", answer.status, None, None)
        return Attempted("delivered", status=answer.status)
    if attempts >= ATTEMPTS:
        store.record_attempt(record, "failed", answer.status, answer.error, None)
        logger.warning("webhook delivery failed for good", extra={"delivery_id": record.delivery_id})
        return Attempted("failed", status=answer.status)
    wait = BACKOFF[attempts - 1]
    if not store.record_attempt(record, "pending", answer.status, answer.error, rfc3339(now + timedelta(seconds=wait))):
        return Attempted("dropped")  # another copy of the message recorded this attempt
    delivery_queue.postpone(receipt_handle, wait)
    return Attempted("retry", retry_in=wait, status=answer.status)
