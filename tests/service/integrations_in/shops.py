"""What the inbound-integration tests share: the platforms' published samples (tests/fixtures), signed
with a connection's secret and posted to the public webhook route as the platform would, the accrual
queue read, and its messages handed to the accrual consumer."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from harness.api import Api
from local import runtime
from local.template import Template
from loyalty.adapters import clock
from tests import sqs

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
SECRET = "shpss_0123456789abcdef0123456789abcdef"
# When Shopify's published order (fixtures/shopify/order.json) was placed: the clock the shop tests run at.
SAMPLE_PLACED = datetime(2008, 1, 10, 18, 0, tzinfo=UTC)


def sample(path: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((FIXTURES / path).read_text())
    return document


def body_of(document: dict[str, Any]) -> bytes:
    """A webhook's body is the resource itself (the REST fixtures wrap it in {"order": ...})."""
    inner = document.get("order") or document.get("refund") or document
    return json.dumps(inner).encode()


def sign(body: bytes, secret: str = SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def connect(admin: Api, connection_id: str, platform: str, **overrides: Any) -> Any:
    body = {"platform": platform, "secret": SECRET, "match_members_by": "email", "auto_enroll": True, **overrides}
    return admin.put(f"/v1/admin/integrations/{connection_id}", body)


def post(api: Api, connection_id: str, body: bytes, headers: dict[str, str]) -> Any:
    return api.post(f"/v1/integrations/{connection_id}/webhooks", raw=body, headers=headers, key="")


def shopify(api: Api, connection_id: str, body: bytes, topic: str, secret: str = SECRET) -> Any:
    """``body`` as Shopify posts it: signed with ``secret``, the topic in its header."""
    return post(api, connection_id, body, shopify_headers(body, topic, secret))


def woo(api: Api, connection_id: str, body: bytes, topic: str) -> Any:
    """``body`` as WooCommerce posts it, signed with the connection's secret."""
    return post(api, connection_id, body, woo_headers(body, topic))


def shopify_headers(body: bytes, topic: str, secret: str = SECRET) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": sign(body, secret),
        "X-Shopify-Shop-Domain": "example.myshopify.com",
        "X-Shopify-Webhook-Id": "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
    }


def woo_headers(body: bytes, topic: str) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "X-WC-Webhook-Topic": topic,
        "X-WC-Webhook-Signature": sign(body),
        "X-WC-Webhook-Source": "https://example.com/",
        "X-WC-Webhook-Delivery-ID": "42",
    }


def queued() -> list[dict[str, Any]]:
    """What waits in the accrual queue (taken off it)."""
    return sqs.taken(os.environ["ACCRUAL_QUEUE_URL"])


def consume(template: Template, messages: list[dict[str, Any]]) -> None:
    result = runtime.invoke(template, "AccrualConsumerFunction", sqs.batch(*[sqs.record(m) for m in messages]))
    assert result == {"batchItemFailures": []}, result


def sample_shop(admin: Api) -> bytes:
    """shop-1 connected (Shopify, its defaults) with the clock at the published order's time: that order's
    body, as Shopify posts it."""
    at(SAMPLE_PLACED)
    assert connect(admin, "shop-1", "shopify").status == 201
    return body_of(sample("shopify/order.json"))


def at(moment: datetime) -> None:
    clock.set_clock(lambda: moment)
