"""Webhooks out at their edges: a secret rotated with 24 hours of overlap, a delete or change that holds
at once on warm workers, one deadline per attempt against a trickling subscriber, and the IPv6 forms of
private addresses refused when the webhook is stored and again at every delivery."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook as Verifier
from standardwebhooks.webhooks import WebhookVerificationError

from harness.api import Api
from local.template import Template
from loyalty import settings
from loyalty.adapters import clock, webhook_http
from loyalty.store import webhooks as webhook_store
from tests.conftest import table_items
from tests.service.events import helpers

PUBLIC = "https://93.184.215.14/hooks"


def _deliver_one(template: Template, member_id: str, version: int = 1) -> None:
    """One member write (one event), published and handed to the delivery worker."""
    helpers.write_member(member_id, version, helpers.day_of_writes(member_id)[0][0], "2026-11-22T10:00:00.000Z")
    helpers.publisher_poller(template).drain()
    helpers.drain_deliveries(template)


def _rotate_at(admin_api: Api, webhook_id: str, moment: datetime) -> Any:
    clock.set_clock(lambda: moment)
    try:
        return admin_api.post(f"/v1/admin/webhooks/{webhook_id}/rotate-secret")
    finally:
        clock.set_clock(None)


# --- rotation --------------------------------------------------------------------------------------


@pytest.mark.engine
def test_after_a_rotation_both_secrets_verify_for_24_hours(events_env: str, admin_api: Api, template: Template) -> None:
    with helpers.receiver() as subscriber:
        old = admin_api.put("/v1/admin/webhooks/crm", {"url": subscriber.url, "events": ["*"]}).body["secret"]
        # Rotated 23 hours ago: the old secret still has an hour to go.
        rotated = _rotate_at(admin_api, "crm", datetime.now(UTC) - timedelta(hours=23))
        _deliver_one(template, "ada")
    assert rotated.status == 200 and set(rotated.body) == {"secret"}
    new = rotated.body["secret"]
    assert new.startswith("whsec_") and new != old
    [request] = subscriber.requests
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    assert Verifier(old).verify(request.body, request.headers)["id"] == "ada:1:0"
    assert Verifier(new).verify(request.body, request.headers)["id"] == "ada:1:0"


def test_24_hours_after_a_rotation_only_the_new_secret_verifies(
    events_env: str, admin_api: Api, template: Template, ddb: Any
) -> None:
    with helpers.receiver() as subscriber:
        old = admin_api.put("/v1/admin/webhooks/crm", {"url": subscriber.url, "events": ["*"]}).body["secret"]
        new = _rotate_at(admin_api, "crm", datetime.now(UTC) - timedelta(hours=24, seconds=5)).body["secret"]
        _deliver_one(template, "ada")
    [request] = subscriber.requests
    assert len(request.headers["webhook-signature"].split(" ")) == 1
    assert Verifier(new).verify(request.body, request.headers)["id"] == "ada:1:0"
    with pytest.raises(WebhookVerificationError):
        Verifier(old).verify(request.body, request.headers)
    stored = str(table_items(ddb))
    assert old not in stored and new not in stored  # both kept only encrypted


def test_a_second_rotation_retires_the_first_secret_at_once(
    events_env: str, admin_api: Api, template: Template
) -> None:
    with helpers.receiver() as subscriber:
        first = admin_api.put("/v1/admin/webhooks/crm", {"url": subscriber.url, "events": ["*"]}).body["secret"]
        second = admin_api.post("/v1/admin/webhooks/crm/rotate-secret").body["secret"]
        third = admin_api.post("/v1/admin/webhooks/crm/rotate-secret").body["secret"]
        _deliver_one(template, "ada")
    [request] = subscriber.requests
    Verifier(second).verify(request.body, request.headers)
    Verifier(third).verify(request.body, request.headers)
    with pytest.raises(WebhookVerificationError):
        Verifier(first).verify(request.body, request.headers)


@pytest.mark.engine
def test_a_rotation_that_read_a_secret_already_replaced_writes_nothing(events_env: str, admin_api: Api) -> None:
    """Two rotations at once: the one whose read is stale finds the condition false and reads again."""
    admin_api.put("/v1/admin/webhooks/crm", {"url": PUBLIC, "events": ["*"]})
    before = webhook_store.get_webhook("crm")
    assert before is not None
    admin_api.post("/v1/admin/webhooks/crm/rotate-secret")
    now = clock.isoformat(clock.now())
    assert not webhook_store.rotate_secret("crm", before.secret_ciphertext, b"stale", now, now)
    after = webhook_store.get_webhook("crm")
    assert after is not None and after.secret_ciphertext != b"stale"
    assert after.previous_ciphertext == before.secret_ciphertext


def test_rotating_the_secret_of_no_webhook_is_404(events_env: str, admin_api: Api) -> None:
    answer = admin_api.post("/v1/admin/webhooks/nope/rotate-secret")
    assert answer.status == 404 and answer.body["code"] == "not_found"


# --- no stale subscription on a warm worker --------------------------------------------------------


def test_a_webhook_deleted_elsewhere_stops_delivering_at_once(events_env: str, template: Template) -> None:
    """Another process deletes the webhook (nothing clears this worker's memory): the delivery already
    queued is not sent, and the next event makes none."""
    with helpers.receiver() as subscriber:
        from loyalty.services import webhooks

        webhooks.put("crm", webhooks.WebhookRequest(url=subscriber.url, events=["*"]))
        _deliver_one(template, "ada")  # the worker and the publisher are warm now
        helpers.write_member("bob", 1, helpers.day_of_writes("bob")[0][0], "2026-11-22T10:00:00.000Z")
        helpers.publisher_poller(template).drain()  # queued for crm
        webhook_store.delete_webhook("crm")
        helpers.drain_deliveries(template)
        _deliver_one(template, "cy")
    assert [request.headers["webhook-id"] for request in subscriber.requests] == ["ada:1:0"]


def test_a_webhook_deleted_and_created_again_is_sent_none_of_the_old_ones_deliveries(
    events_env: str, admin_api: Api, template: Template
) -> None:
    with helpers.receiver() as subscriber:
        admin_api.put("/v1/admin/webhooks/crm", {"url": subscriber.url, "events": ["*"]})
        helpers.write_member("bob", 1, helpers.day_of_writes("bob")[0][0], "2026-11-22T10:00:00.000Z")
        helpers.publisher_poller(template).drain()  # queued for the first crm
        admin_api.delete("/v1/admin/webhooks/crm")
        secret = admin_api.put("/v1/admin/webhooks/crm", {"url": subscriber.url, "events": ["*"]}).body["secret"]
        helpers.drain_deliveries(template)
        _deliver_one(template, "cy")
    [request] = subscriber.requests
    assert Verifier(secret).verify(request.body, request.headers)["id"] == "cy:1:0"


def test_a_webhook_changed_elsewhere_is_sent_as_it_is_now(events_env: str, template: Template) -> None:
    with helpers.receiver() as before, helpers.receiver() as after:
        from loyalty.services import webhooks

        webhooks.put("crm", webhooks.WebhookRequest(url=before.url, events=["*"]))
        _deliver_one(template, "ada")
        helpers.write_member("bob", 1, helpers.day_of_writes("bob")[0][0], "2026-11-22T10:00:00.000Z")
        helpers.publisher_poller(template).drain()
        webhook_store.replace_webhook("crm", after.url, ["*"], True, clock.isoformat(clock.now()))
        helpers.drain_deliveries(template)
        helpers.write_member("cy", 1, helpers.day_of_writes("cy")[0][0], "2026-11-22T10:00:00.000Z")
        helpers.publisher_poller(template).drain()
        webhook_store.replace_webhook("crm", after.url, ["points.expired"], True, clock.isoformat(clock.now()))
        helpers.drain_deliveries(template)  # cy's member.enrolled is no longer wanted
    assert len(before.requests) == 1
    assert [r.headers["webhook-id"] for r in after.requests] == ["bob:1:0"]


# --- one deadline per attempt ----------------------------------------------------------------------


@contextmanager
def trickler(head: bytes, scheme: str = "http") -> Iterator[str]:
    """A subscriber on 127.0.0.1 that reads the request (or the TLS ClientHello), then answers one byte
    every 0.2 s for 40 s."""
    server = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        conn, _ = server.accept()
        with conn:
            conn.recv(65536)
            answer = head + b"x" * 200
            for byte in answer:
                if stop.wait(0.2):
                    return
                try:
                    conn.sendall(bytes([byte]))
                except OSError:
                    return

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"{scheme}://127.0.0.1:{server.getsockname()[1]}/hooks"
    finally:
        stop.set()
        server.close()
        thread.join(5)


@pytest.mark.parametrize(
    ("scheme", "head"),
    [
        ("http", b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"),
        ("http", b""),
        # A TLS record header announcing 16 KB of handshake, whose bytes then trickle in.
        ("https", b"\x16\x03\x03\x40\x00"),
    ],
    ids=["trickled-body", "trickled-status-line", "trickled-tls-handshake"],
)
def test_a_trickling_subscriber_is_cut_off_at_the_attempt_deadline(
    monkeypatch: pytest.MonkeyPatch, scheme: str, head: bytes
) -> None:
    monkeypatch.setattr(webhook_http, "ATTEMPT_SECONDS", 1.5)
    with trickler(head, scheme) as url:
        started = time.monotonic()
        answer = webhook_http.post(url, {}, "{}", allow_loopback=True)
        took = time.monotonic() - started
    assert answer == webhook_http.Answer(None, "timeout")
    assert 1.4 < took < 2.5


def test_a_host_name_that_resolves_slowly_counts_against_the_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    def slow(*args: Any, **kwargs: Any) -> list[Any]:
        time.sleep(3)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", 443))]

    monkeypatch.setattr(webhook_http, "ATTEMPT_SECONDS", 1.0)
    monkeypatch.setattr(webhook_http.socket, "getaddrinfo", slow)
    started = time.monotonic()
    answer = webhook_http.post("https://hooks.example.com/x", {}, "{}", allow_loopback=False)
    assert answer == webhook_http.Answer(None, "timeout")
    assert time.monotonic() - started < 2


def test_the_deployed_deadline_is_ten_seconds_within_the_function_timeout(template: Template) -> None:
    function = template.resources("AWS::Serverless::Function")["WebhookDeliveryFunction"]
    assert webhook_http.ATTEMPT_SECONDS == 10.0
    # A KMS decrypt and three DynamoDB calls beside the attempt, and DNS before it.
    assert function["Properties"]["Timeout"] >= webhook_http.ATTEMPT_SECONDS + 10


# --- where a webhook may point ---------------------------------------------------------------------

REFUSED_ADDRESSES = [
    "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254 (the instance metadata)
    "64:ff9b::5db8:d70e",  # NAT64 of a public address: a translator on the path decides, so no
    "64:ff9b:1::a9fe:a9fe",  # local-use NAT64 (RFC 8215)
    "::a9fe:a9fe",  # IPv4-compatible 169.254.169.254
    "::7f00:1",  # IPv4-compatible 127.0.0.1
    "::ffff:a9fe:a9fe",  # IPv4-mapped 169.254.169.254
    "::ffff:10.0.0.1",  # IPv4-mapped 10.0.0.1
    "::ffff:93.184.215.14",  # IPv4-mapped, even of a public address
    "2002:a9fe:a9fe::1",  # 6to4 embedding 169.254.169.254
    "2002:a00:1::1",  # 6to4 embedding 10.0.0.1
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
    "fc00::1",  # ULA
    "fd00:ec2::254",  # ULA: the instance metadata over IPv6
    "fe80::a9fe:a9fe",  # link-local
    "fec0::1",  # site-local (deprecated, yet is_global in Python)
    "ff02::1",  # multicast, link scope
    "ff0e::1",  # multicast, global scope
    "::",  # unspecified
    "::1",  # loopback
    "0.0.0.0",
    "127.0.0.1",
    "10.0.0.7",
    "100.64.0.1",  # shared address space (carrier-grade NAT)
    "169.254.169.254",
    "224.0.0.1",
    "239.255.255.250",
    "255.255.255.255",
]


def _url(address: str) -> str:
    return f"https://[{address}]/hooks" if ":" in address else f"https://{address}/hooks"


@pytest.mark.parametrize("address", REFUSED_ADDRESSES)
def test_private_addresses_in_every_form_are_refused(address: str) -> None:
    with pytest.raises(webhook_http.UnsafeUrl, match="public"):
        webhook_http.check(_url(address), allow_loopback=False)


@pytest.mark.parametrize("address", ["2606:4700:4700::1111", "93.184.215.14"])
def test_public_addresses_are_accepted(address: str) -> None:
    assert webhook_http.check(_url(address), allow_loopback=False).address == address


@pytest.mark.parametrize("address", ["64:ff9b::a9fe:a9fe", "::a9fe:a9fe", "fd00:ec2::254", "fec0::1"])
def test_the_api_refuses_them_too(aws: str, admin_api: Api, monkeypatch: pytest.MonkeyPatch, address: str) -> None:
    monkeypatch.delenv("WEBHOOKS_ALLOW_LOOPBACK", raising=False)
    settings.reset()
    answer = admin_api.put("/v1/admin/webhooks/crm", {"url": _url(address), "events": ["*"]})
    assert answer.status == 422 and "public" in answer.body["detail"]


def test_a_host_that_resolves_elsewhere_at_delivery_is_not_connected_to(monkeypatch: pytest.MonkeyPatch) -> None:
    """DNS rebinding: public when the webhook was stored, NAT64 of the metadata address at delivery."""
    answers = iter(["93.184.215.14", "64:ff9b::a9fe:a9fe"])

    def resolve(host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
        address = next(answers)
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (address, port))]

    connected: list[Any] = []
    monkeypatch.setattr(webhook_http.socket, "getaddrinfo", resolve)
    monkeypatch.setattr(webhook_http.socket, "create_connection", lambda *a, **k: connected.append(a))
    assert webhook_http.check("https://hooks.example.com/x", allow_loopback=False).address == "93.184.215.14"
    answer = webhook_http.post("https://hooks.example.com/x", {}, "{}", allow_loopback=False)
    assert answer.status is None and "public" in str(answer.error)
    assert connected == []
