"""Webhook subscriptions: the secret shown once and kept encrypted, replace keeps it, delete, the delivery
log's paging, and where a webhook may point (SSRF)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from harness.api import Api
from local.template import Template
from loyalty import settings
from loyalty.adapters import webhook_http
from tests.conftest import table_items
from tests.service.events import helpers

PUBLIC = "https://93.184.215.14/hooks"  # a public address literal: no DNS needed


def test_the_secret_is_shown_once_and_stored_only_encrypted(events_env: str, admin_api: Api, ddb: Any) -> None:
    created = admin_api.put("/v1/admin/webhooks/crm", {"url": PUBLIC, "events": ["*"]})
    assert created.status == 201 and created.headers.get("location") == "/v1/admin/webhooks/crm"
    secret = created.body["secret"]
    assert secret.startswith("whsec_") and len(secret) > 40
    replaced = admin_api.put("/v1/admin/webhooks/crm", {"url": PUBLIC + "/v2", "events": ["points.earned"]})
    assert replaced.status == 200 and "secret" not in replaced.body
    assert replaced.body["url"] == PUBLIC + "/v2" and replaced.body["events"] == ["points.earned"]
    assert secret not in json.dumps(table_items(ddb), default=str)
    assert admin_api.delete("/v1/admin/webhooks/crm").status == 204
    assert admin_api.delete("/v1/admin/webhooks/crm").status == 204
    assert admin_api.get("/v1/admin/webhooks/crm/deliveries").body["code"] == "not_found"


def test_replacing_keeps_the_secret_deliveries_are_signed_with(
    events_env: str, admin_api: Api, template: Template
) -> None:
    from standardwebhooks.webhooks import Webhook as Verifier

    with helpers.receiver() as subscriber:
        secret = admin_api.put("/v1/admin/webhooks/crm", {"url": subscriber.url, "events": ["*"]}).body["secret"]
        admin_api.put("/v1/admin/webhooks/crm", {"url": subscriber.url, "events": ["*"], "active": True})
        helpers.write_member("ada", 1, helpers.day_of_writes("ada")[0][0], "2026-11-22T10:00:00.000Z")
        helpers.publisher_poller(template).drain()
        helpers.drain_deliveries(template)
    [request] = subscriber.requests
    assert Verifier(secret).verify(request.body, request.headers)["id"] == "ada:1:0"


def test_the_delivery_log_pages_newest_first(events_env: str, admin_api: Api, template: Template) -> None:
    with helpers.receiver() as subscriber:
        admin_api.put("/v1/admin/webhooks/crm", {"url": subscriber.url, "events": ["*"]})
        ids = helpers.write_day("ada")
        helpers.publisher_poller(template).drain()
        helpers.drain_deliveries(template)
    seen: list[str] = []
    cursor = None
    while True:
        query = "limit=4" + (f"&cursor={cursor}" if cursor else "")
        page = admin_api.get("/v1/admin/webhooks/crm/deliveries", query=query).body
        assert len(page["items"]) <= 4
        seen += [item["event_id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == list(reversed(ids))
    bad = admin_api.get("/v1/admin/webhooks/crm/deliveries", query="cursor=bm90LW91cnM")
    assert bad.status == 422


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://93.184.215.14/hooks", "https"),
        ("https://127.0.0.1/hooks", "public"),
        ("https://localhost/hooks", "public"),
        ("https://169.254.169.254/latest/meta-data", "public"),
        ("https://10.0.0.7/hooks", "public"),
        ("https://[::1]/hooks", "public"),
        ("https://[::ffff:192.168.0.1]/hooks", "public"),
        ("https://user:pw@93.184.215.14/hooks", "credentials"),
        ("https://no-such-host.invalid/hooks", "resolve"),
    ],
)
def test_deployed_only_https_urls_of_public_hosts_are_accepted(
    aws: str, admin_api: Api, monkeypatch: pytest.MonkeyPatch, url: str, why: str
) -> None:
    monkeypatch.delenv("WEBHOOKS_ALLOW_LOOPBACK", raising=False)
    settings.reset()
    answer = admin_api.put("/v1/admin/webhooks/crm", {"url": url, "events": ["*"]})
    assert answer.status == 422 and answer.body["code"] == "validation_error"
    assert why in answer.body["detail"]
    assert admin_api.put("/v1/admin/webhooks/crm", {"url": PUBLIC, "events": ["*"]}).status == 201


def test_unknown_event_types_are_refused(events_env: str, admin_api: Api) -> None:
    answer = admin_api.put("/v1/admin/webhooks/crm", {"url": PUBLIC, "events": ["points.earnt"]})
    assert answer.status == 422
    assert admin_api.put("/v1/admin/webhooks/crm", {"url": PUBLIC, "events": ["*", "points.earned"]}).status == 422


def test_each_delivery_connects_to_the_address_it_checked() -> None:
    """A host that resolved to a public address at PUT and to loopback now is refused at delivery."""
    assert webhook_http.post("https://127.0.0.1:9/x", {}, "{}", allow_loopback=False).error is not None
    target = webhook_http.check("http://127.0.0.1:8080/a?b=1", allow_loopback=True)
    assert (target.address, target.port, target.path, target.host_header) == (
        "127.0.0.1",
        8080,
        "/a?b=1",
        "127.0.0.1:8080",
    )
    with pytest.raises(webhook_http.UnsafeUrl):
        webhook_http.check("http://10.1.2.3/x", allow_loopback=True)
