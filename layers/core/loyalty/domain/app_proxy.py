"""Shopify App Proxy requests: Shopify forwards a storefront's ``/apps/<prefix>/...`` request to the app's
proxy URL with the shop, the logged-in customer and a ``signature`` added to the query string.

The signature, as Shopify documents it ("Authenticate app proxies", shopify.dev): HMAC-SHA256, in hex,
keyed with the app's shared secret, over every query parameter but ``signature``, each written
``key=value`` (a parameter given several times as one, its values joined by ","), those strings sorted
and concatenated with no separator. It signs the query string only, never the body nor the path, so
what it vouches for is who the customer is (and when Shopify said so), which is all the route trusts.
tests/fixtures/SOURCES.md names the published examples the tests check this against.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl

SIGNATURE = "signature"
CUSTOMER = "logged_in_customer_id"
MAX_QUERY_LENGTH = 8192
# How far Shopify's ``timestamp`` may be from our clock: the signature covers the query string and not
# the body, so a signed URL seen once must not stay usable (a redemption's body is the caller's).
MAX_SKEW_SECONDS = 300
_HEX = re.compile(r"[0-9a-f]{64}")
_CUSTOMER_ID = re.compile(r"[0-9]{1,20}")


@dataclass(frozen=True)
class ProxyRequest:
    """What a verified proxy request says: the customer (None: nobody is logged in), the shop, when."""

    customer_id: str | None
    shop: str | None
    timestamp: int | None


def parameters(raw_query: str) -> list[tuple[str, str]] | None:
    """The query string's parameters in order (``+`` is a space, as Shopify's and Rack's parsers read it),
    or None when it is too long or not decodable."""
    if len(raw_query) > MAX_QUERY_LENGTH:
        return None
    try:
        return parse_qsl(raw_query, keep_blank_values=True, strict_parsing=False, errors="strict")
    except (ValueError, UnicodeDecodeError):
        return None


def message(pairs: Sequence[tuple[str, str]]) -> str:
    """The signed text: ``key=v1,v2`` per parameter but ``signature``, sorted, joined with nothing."""
    grouped: dict[str, list[str]] = {}
    for key, value in pairs:
        if key != SIGNATURE:
            grouped.setdefault(key, []).append(value)
    return "".join(sorted(f"{key}={','.join(values)}" for key, values in grouped.items()))


def signature(pairs: Sequence[tuple[str, str]], secret: bytes) -> str:
    return hmac.new(secret, message(pairs).encode("utf-8"), hashlib.sha256).hexdigest()


def verify(raw_query: str, secret: bytes) -> ProxyRequest | None:
    """The request's parameters when ``secret`` signed them (exactly one well-formed signature), else None."""
    pairs = parameters(raw_query)
    if pairs is None:
        return None
    given = [value for key, value in pairs if key == SIGNATURE]
    if len(given) != 1 or not _HEX.fullmatch(given[0]):
        return None
    if not hmac.compare_digest(signature(pairs, secret), given[0]):
        return None
    values = dict(pairs)
    # Named twice, the signed value is "a,b": no one customer, so nobody is logged in.
    customers = [value for key, value in pairs if key == CUSTOMER]
    customer = customers[0] if len(customers) == 1 and customers[0] else None
    stamp = values.get("timestamp") or ""
    return ProxyRequest(
        customer_id=customer if customer is not None and _CUSTOMER_ID.fullmatch(customer) else None,
        shop=values.get("shop"),
        timestamp=int(stamp) if stamp.isdigit() and len(stamp) <= 12 else None,
    )


def fresh(request: ProxyRequest, now: int, skew: int = MAX_SKEW_SECONDS) -> bool:
    """Whether Shopify signed it recently (a missing timestamp is not recent)."""
    return request.timestamp is not None and abs(now - request.timestamp) <= skew
