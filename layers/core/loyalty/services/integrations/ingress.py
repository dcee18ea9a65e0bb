"""``POST /v1/integrations/{connection_id}/webhooks``: verify the platform's HMAC over the raw body,
before anything reads it, keep the body in the stack's bucket and queue a pointer to it for the accrual
consumer (the route answers in well under a second, bodies of up to 3 MB included).

Shopify signs with ``X-Shopify-Hmac-Sha256`` and WooCommerce with ``X-WC-Webhook-Signature``: both the
base64 of HMAC-SHA256(secret, raw body), compared in constant time. WooCommerce's ping when a webhook
is created (form body ``webhook_id=N``, unsigned) is answered 200 and nothing else happens.

A body that could not be stored or queued raises (the route answers 5xx): the platform sends it again,
and the order's id makes a second delivery credit nothing twice. Nothing is answered 200 and then lost.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Mapping
from typing import Literal

from loyalty.adapters import accrual_queue, clock
from loyalty.domain.errors import InvalidInput, PayloadTooLarge, Unauthorized
from loyalty.models.integrations import IntegrationWebhook
from loyalty.services.integrations import bodies, connections

SIGNATURE_HEADER = {"shopify": "x-shopify-hmac-sha256", "woocommerce": "x-wc-webhook-signature"}
TOPIC_HEADER = {"shopify": "x-shopify-topic", "woocommerce": "x-wc-webhook-topic"}
DELIVERY_HEADER = {"shopify": "x-shopify-webhook-id", "woocommerce": "x-wc-webhook-delivery-id"}
TOPICS = {
    "shopify": frozenset({"orders/paid", "refunds/create"}),
    "woocommerce": frozenset({"order.created", "order.updated"}),
}
WOO_PING = re.compile(rb"^webhook_id=\d{1,20}$")
# Shopify's largest orders (250 lines with their properties) run to a few hundred KB; Lambda takes a
# 6 MB event, and API Gateway hands a binary body over in base64 (4/3 of it): 3 MB leaves that room.
MAX_BODY = 3 * 1024 * 1024

Received = Literal["queued", "ignored", "ping"]


def signature(secret: bytes, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret, body, hashlib.sha256).digest()).decode()


def receive(connection_id: str, headers: Mapping[str, str], body: bytes) -> Received:
    """Verify, then queue (or ignore) one platform webhook. Raises Unauthorized on a bad signature."""
    if len(body) > MAX_BODY:  # before any read or decryption: a body this large costs us nothing
        raise PayloadTooLarge(f"The webhook body is {len(body)} bytes; at most {MAX_BODY} are accepted.")
    lowered = {name.lower(): value for name, value in headers.items()}
    connection, secret = connections.with_secret(connection_id)
    if connection is None or secret is None:
        raise Unauthorized("This webhook cannot be verified: no such connection.")
    platform = connection.platform
    sent = lowered.get(SIGNATURE_HEADER[platform])
    if sent is None and platform == "woocommerce" and WOO_PING.match(body.strip()):
        return "ping"
    expected = signature(secret, body)
    if sent is None or not hmac.compare_digest(expected.encode(), sent.strip().encode()):
        raise Unauthorized(f"The {SIGNATURE_HEADER[platform]} signature is missing or does not match.")
    topic = lowered.get(TOPIC_HEADER[platform], "")
    if topic not in TOPICS[platform]:
        return "ignored"
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("the webhook body is not UTF-8", ["body"]) from None
    received = clock.now()
    message = IntegrationWebhook(
        type="integration.webhook",
        connection_id=connection_id,
        platform=platform,
        topic=topic,
        delivery_id=(lowered.get(DELIVERY_HEADER[platform]) or "")[:256] or None,
        received_at=clock.isoformat(received),
        body_key=bodies.keep(connection_id, platform, body, received),
    )
    try:
        accrual_queue.send(message.model_dump(mode="json", exclude_defaults=True))
    except Exception:
        bodies.discard(message)  # not queued: the platform's retry will store it again
        raise
    return "queued"
