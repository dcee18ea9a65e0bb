"""The Shopify App Proxy signature, checked against Shopify's published examples
(tests/fixtures/SOURCES.md): each verifies with its secret, and any change refuses it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from loyalty.domain import app_proxy

VECTORS: list[dict[str, Any]] = json.loads(
    (Path(__file__).resolve().parent.parent / "fixtures" / "shopify" / "app-proxy-signatures.json").read_text()
)


@pytest.mark.parametrize("vector", VECTORS, ids=[vector["source"] for vector in VECTORS])
def test_shopifys_published_examples_verify(vector: dict[str, Any]) -> None:
    pairs = app_proxy.parameters(vector["query"])
    assert pairs is not None
    assert app_proxy.message(pairs) == vector["message"]
    assert app_proxy.verify(vector["query"], vector["secret"].encode()) is not None
    assert app_proxy.verify(vector["query"], b"another secret") is None


def test_the_documented_example_names_its_customer_and_time() -> None:
    verified = app_proxy.verify(VECTORS[0]["query"], b"hush")
    assert verified == app_proxy.ProxyRequest(customer_id="1", shop="shop-name.myshopify.com", timestamp=1317327555)


@pytest.mark.parametrize(
    ("change", "changed"),
    [
        ("an added parameter (Shopify's own evil=1)", lambda query: query + "&evil=1"),
        ("another customer", lambda query: query.replace("logged_in_customer_id=1", "logged_in_customer_id=2")),
        ("another shop", lambda query: query.replace("shop-name.", "other-shop.")),
        ("a value of a repeated parameter", lambda query: query.replace("extra=2", "extra=3")),
        ("a repeated parameter dropped", lambda query: query.replace("extra=1&", "")),
        ("a later timestamp", lambda query: query.replace("1317327555", "1317327556")),
        ("the signature in upper case", lambda query: query.replace("4c68c862", "4C68C862")),
        ("a second signature", lambda query: query + "&signature=" + "0" * 64),
        ("no signature", lambda query: query.split("&signature=")[0]),
    ],
)
def test_a_changed_request_is_refused(change: str, changed: Any) -> None:
    query = changed(VECTORS[0]["query"])
    assert query != VECTORS[0]["query"], change
    assert app_proxy.verify(query, b"hush") is None, change


def test_the_order_of_the_parameters_does_not_matter_but_that_of_a_repeated_ones_values_does() -> None:
    pairs = app_proxy.parameters(VECTORS[0]["query"])
    assert pairs is not None
    by_key = sorted(pairs, key=lambda pair: pair[0], reverse=True)  # stable: extra=1 stays before extra=2
    reordered = "&".join(f"{key}={value.replace('/', '%2F')}" for key, value in by_key)
    assert reordered != VECTORS[0]["query"] and app_proxy.verify(reordered, b"hush") is not None
    assert app_proxy.verify(reordered.replace("extra=1&extra=2", "extra=2&extra=1"), b"hush") is None


def test_nobody_logged_in_is_a_verified_request_without_a_customer() -> None:
    pairs = [("shop", "shop-name.myshopify.com"), ("logged_in_customer_id", ""), ("timestamp", "1317327555")]
    query = "&".join(f"{key}={value}" for key, value in pairs)
    signed = f"{query}&signature={app_proxy.signature(pairs, b'hush')}"
    verified = app_proxy.verify(signed, b"hush")
    assert verified is not None and verified.customer_id is None


def test_a_signature_is_good_for_a_few_minutes_only() -> None:
    verified = app_proxy.verify(VECTORS[0]["query"], b"hush")
    assert verified is not None
    assert app_proxy.fresh(verified, 1317327555 + app_proxy.MAX_SKEW_SECONDS)
    assert not app_proxy.fresh(verified, 1317327555 + app_proxy.MAX_SKEW_SECONDS + 1)
    assert not app_proxy.fresh(verified, 1317327555 - app_proxy.MAX_SKEW_SECONDS - 1)
    assert not app_proxy.fresh(app_proxy.ProxyRequest("1", None, None), 1317327555)
