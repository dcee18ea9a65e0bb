"""Where a verified platform webhook's body waits for the accrual consumer: in the stack's bucket, under
a key the shopper's erasure can find; the accrual queue carries only a pointer to it.

Why every body and not only the large ones: a message in SQS cannot be deleted by erasure (a payload
that fails three times would sit in the dead-letter queue, emails and addresses included, for 14
days), and one path is simpler to trust than two. The key names whose body it is, by a keyed hash
(the address itself never appears in a key, a log or a queue):

- ``inbound/e-<hmac(email)>/<day>/<uuid>``: the body names a customer email (Shopify ``customer.email``
  or ``email``, WooCommerce ``billing.email``; in a body that is not JSON, its first ``"email"`` field);
- ``inbound/c-<hmac(connection, customer id)>/<day>/<uuid>``: a customer id and no email;
- ``inbound/unattributed/<day>/<uuid>``: neither (a refund names only its order).

The consumer deletes a body once it is processed; erasure deletes the member's email prefix and the
prefixes of its platform customer links; a lifecycle rule deletes anything left after 15 days.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger

from loyalty.adapters import inbound_bodies
from loyalty.models.integrations import IntegrationWebhook
from loyalty.store import secrets

logger = Logger(child=True)

SECRET_NAME = "inbound-subjects"  # noqa: S105 - which secret item, not a secret itself
EMAIL_FIELD = re.compile(r'"email"\s*:\s*"([^"\\]{3,254})"')
UNATTRIBUTED = "unattributed"


def _key() -> bytes:
    return secrets.cached(SECRET_NAME)


def _mac(text: str) -> str:
    return hmac.new(_key(), text.encode(), hashlib.sha256).hexdigest()[:40]


def email_subject(email: str) -> str:
    return "e-" + _mac("email\n" + email.strip().lower())


def customer_subject(connection_id: str, customer_id: str) -> str:
    return "c-" + _mac(f"customer\n{connection_id}\n{customer_id}")


def _text(value: Any) -> str | None:
    if not isinstance(value, str):  # ids were parsed as text; anything else names nobody
        return None
    return value.strip() or None


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _whose(platform: str, body: bytes) -> tuple[str | None, str | None]:
    """(email, customer id) the body names, as the consumer will match them; never raises."""
    try:
        document = json.loads(body, parse_int=str, parse_float=str)
    except ValueError:
        found = EMAIL_FIELD.search(body.decode("utf-8", errors="replace"))
        return (found.group(1) if found else None), None
    if not isinstance(document, dict):
        return None, None
    if platform == "shopify":
        buyer = _object(document.get("customer"))
        return _text(buyer.get("email")) or _text(document.get("email")), _text(buyer.get("id"))
    billing = _object(document.get("billing"))
    customer_id = _text(document.get("customer_id"))
    return _text(billing.get("email")), customer_id if customer_id != "0" else None


def subject(connection_id: str, platform: str, body: bytes) -> str:
    email, customer_id = _whose(platform, body)
    if email is not None:
        return email_subject(email)
    if customer_id is not None:
        return customer_subject(connection_id, customer_id)
    return UNATTRIBUTED


def keep(connection_id: str, platform: str, body: bytes, received: datetime) -> str:
    """Store the body; returns its key (raises when it could not be stored: nothing is queued then)."""
    key = f"{inbound_bodies.PREFIX}{subject(connection_id, platform, body)}/{received:%Y-%m-%d}/{uuid.uuid4().hex}"
    inbound_bodies.put(key, body)
    return key


def load(message: IntegrationWebhook) -> IntegrationWebhook | None:
    """The message with its body in ``payload`` (read from the bucket when it holds a pointer); None when
    the body is gone: processed already (a repeated delivery of the pointer), or erased."""
    if message.body_key is None:
        return message
    body = inbound_bodies.get(message.body_key)
    if body is None:
        return None
    return message.model_copy(update={"payload": body.decode("utf-8")})


def discard(message: IntegrationWebhook) -> None:
    """Delete a processed body; the lifecycle rule catches one this fails to delete."""
    if message.body_key is None:
        return
    try:
        inbound_bodies.delete(message.body_key)
    except Exception:  # the work is done; a leftover body expires by the lifecycle rule
        logger.warning("processed inbound body not deleted", extra={"body_key": message.body_key})


def forget(email: str | None, customers: Iterable[tuple[str, str]]) -> int:
    """Delete the bodies that name this email or these (connection, customer id) pairs (erasure)."""
    subjects = [email_subject(email)] if email else []
    subjects += [customer_subject(connection_id, customer_id) for connection_id, customer_id in customers]
    return sum(inbound_bodies.delete_prefix(f"{inbound_bodies.PREFIX}{name}/") for name in subjects)
