"""Webhooks by the Standard Webhooks specification: subscriptions, fan-out and delivery attempts.

- A subscription's secret (``whsec_`` + base64 of 32 random bytes) is shown once, when it is created
  or rotated, and kept encrypted under the stack's KMS key (it must be usable for signing, so it cannot
  be hashed). After a rotation the old secret signs beside the new one for ``ROTATION_OVERLAP`` (two
  space-separated ``v1,`` signatures, as the specification allows), so a subscriber can switch without
  losing a delivery; then the new one signs alone.
- The publisher fans each event out to the subscriptions that want its type: one delivery item per
  (webhook, event), created with ``attribute_not_exists``, and one FIFO message per delivery.
- The delivery worker POSTs the envelope with ``webhook-id`` (the event id), ``webhook-timestamp`` and
  ``webhook-signature`` (``v1,<base64 HMAC-SHA256 of "id.timestamp.body">``). A non-2xx answer or no
  answer is retried after ``BACKOFF`` (27.6 hours in all), by making the message visible again later
  (never by sleeping), then the delivery is ``failed``.
- No worker trusts a cached subscription: a delete or change holds from the next attempt on, on every
  warm worker. Each attempt reads the subscription (one strongly consistent GetItem, 1 RCU, beside the
  delivery's own) and the publisher reads the subscriptions once per stream batch (one Query). Only
  the KMS decryption is cached, keyed by the ciphertext itself, so a rotated secret is never served
  from the cache.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from aws_lambda_powertools import Logger
from standardwebhooks.webhooks import Webhook as Signer

from loyalty.adapters import clock, delivery_queue, kms, webhook_http
from loyalty.domain.errors import Contended, InvalidInput, NotFound
from loyalty.models.common import Page, from_record, rfc3339
from loyalty.models.events import Envelope
from loyalty.models.webhooks import (
    Delivery,
    DeliveryMessage,
    SecretRotated,
    Webhook,
    WebhookCreated,
    WebhookRequest,
)
from loyalty.settings import settings
from loyalty.store import webhooks as store

logger = Logger(child=True)

SECRET_PREFIX = "whsec_"  # noqa: S105 - the format's prefix, not a secret
# Seconds to wait after each failed attempt (the Standard Webhooks spec's example schedule): attempt 1
# at once, then after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h; 8 attempts over 27 h 35 min.
BACKOFF = (5, 300, 1800, 7200, 18000, 36000, 36000)
ATTEMPTS = len(BACKOFF) + 1
DELIVERY_LOG_DAYS = 30  # deliveries leave the log (TTL) a month after they were made
ROTATION_OVERLAP = timedelta(hours=24)  # how long the replaced secret still signs after a rotation
_SECRETS_KEPT = 256  # decrypted secrets a warm worker keeps (two per webhook at most matter)

# Decrypted secrets by (webhook id, ciphertext): a new ciphertext (rotation, re-creation) is a new key.
_secrets: dict[tuple[str, bytes], bytes] = {}


def forget() -> None:
    """Drop the in-process cache of decrypted secrets (tests)."""
    _secrets.clear()


def _context(webhook_id: str) -> dict[str, str]:
    return {"purpose": "webhook-secret", "webhook_id": webhook_id}


def _view(record: store.WebhookRecord) -> Webhook:
    return from_record(Webhook, record)


def _checked_url(url: str) -> None:
    try:
        webhook_http.check(url, settings().webhooks_allow_loopback)
    except webhook_http.UnsafeUrl as error:
        raise InvalidInput(f"url: {error}", ["body", "url"]) from None


# --- admin -----------------------------------------------------------------------------------------


def _new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def put(webhook_id: str, request: WebhookRequest) -> tuple[Webhook, bool]:
    """Create (with a new secret, returned once) or replace (the secret is kept); (webhook, created)."""
    _checked_url(request.url)
    now = clock.isoformat(clock.now())
    if store.replace_webhook(webhook_id, request.url, request.events, request.active, now):
        record = store.get_webhook(webhook_id)
        if record is not None:
            return _view(record), False
    secret = _new_secret()
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
    store.delete_webhook(webhook_id)


def rotate_secret(webhook_id: str) -> SecretRotated:
    """A new secret (returned once) that signs from now on; the one it replaces signs beside it for
    ROTATION_OVERLAP. A secret that was already being replaced stops signing at once."""
    for _ in range(5):  # a concurrent rotation changed the secret between our read and write: read again
        record = store.get_webhook(webhook_id)
        if record is None:
            raise NotFound(f"No webhook '{webhook_id}'.")
        secret = _new_secret()
        now = clock.now()
        if store.rotate_secret(
            webhook_id,
            current=record.secret_ciphertext,
            new=kms.encrypt(secret.encode(), _context(webhook_id)),
            previous_until=clock.isoformat(now + ROTATION_OVERLAP),
            updated_at=clock.isoformat(now),
        ):
            logger.info("webhook secret rotated", extra={"webhook_id": webhook_id})
            return SecretRotated(secret=secret)
    raise Contended(f"Webhook {webhook_id!r}: its secret kept changing under this rotation; try again.")


def deliveries(webhook_id: str, limit: int, cursor: str | None) -> Page[Delivery]:
    if store.get_webhook(webhook_id, consistent=False) is None:
        raise NotFound(f"No webhook '{webhook_id}'.")
    try:
        records, next_cursor = store.list_deliveries(webhook_id, limit, cursor)
    except ValueError as error:
        raise InvalidInput(str(error), ["query", "cursor"]) from None
    items = [from_record(Delivery, record) for record in records]
    return Page[Delivery](items=items, next_cursor=next_cursor)


# --- fan-out (the publisher) -----------------------------------------------------------------------


def subscriptions() -> list[store.WebhookRecord]:
    """Every subscription, read for each stream batch (one Query): a webhook created, changed or deleted
    a moment ago is seen by the next batch on every warm publisher."""
    return store.list_webhooks()


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
                webhook_id=subscription.webhook_id,
                event_id=event.id,
                occurred_at=occurred_at,
                body=body,
                webhook_created_at=subscription.created_at,
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


def _decrypted(webhook_id: str, ciphertext: bytes) -> bytes:
    """A secret in clear, decrypted once per warm worker (the ciphertext is the cache key)."""
    key = (webhook_id, ciphertext)
    if key not in _secrets:
        if len(_secrets) >= _SECRETS_KEPT:
            _secrets.clear()
        _secrets[key] = kms.decrypt(ciphertext, _context(webhook_id))
    return _secrets[key]


def signing_secrets(webhook: store.WebhookRecord, moment: datetime) -> list[bytes]:
    """The secrets that sign at ``moment``: the current one, and the replaced one during its overlap."""
    found = [_decrypted(webhook.webhook_id, webhook.secret_ciphertext)]
    if (
        webhook.previous_ciphertext
        and webhook.previous_until
        and moment < datetime.fromisoformat(webhook.previous_until)
    ):
        found.append(_decrypted(webhook.webhook_id, webhook.previous_ciphertext))
    return found


def signature_headers(keys: Sequence[bytes], event_id: str, body: str, moment: datetime) -> dict[str, str]:
    """The Standard Webhooks headers for one attempt (signed with the reference library); several keys
    give space-separated signatures, any one of which verifies."""
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": " ".join(
            Signer(key.decode()).sign(event_id, moment.astimezone(UTC), body) for key in keys
        ),
    }


def _not_sendable(
    webhook: store.WebhookRecord | None, delivery: store.DeliveryRecord, message: DeliveryMessage
) -> str | None:
    """Why a pending delivery may no longer be sent to the subscription as it is now, if it may not."""
    if webhook is None or message.webhook_created_at not in (None, webhook.created_at):
        return "webhook deleted"  # gone, or deleted and created again since the event was fanned out
    if not webhook.active:
        return "webhook inactive"
    if not webhook.wants(delivery.type):
        return "webhook no longer subscribed to this event type"
    return None


def attempt(message: DeliveryMessage, receipt_handle: str) -> Attempted:
    """One delivery attempt; on a failure to retry, the message comes back after the backoff."""
    record = store.get_delivery(message.webhook_id, message.occurred_at, message.event_id)
    if record is None or record.status != "pending":
        return Attempted("dropped")  # delivered or given up already: this message is a copy
    webhook = store.get_webhook(message.webhook_id)  # never cached: a delete or change holds at once
    reason = _not_sendable(webhook, record, message)
    if webhook is None or reason:
        store.record_attempt(record, "failed", None, reason, None)
        return Attempted("failed")
    now = clock.now()
    answer = webhook_http.post(
        webhook.url,
        signature_headers(signing_secrets(webhook, now), message.event_id, message.body, now),
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
