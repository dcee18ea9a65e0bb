"""The stream -> publisher -> bus and webhook path, driven by member writes in the outbox shape (the
ledger's writes will carry it; these tests write the member items directly)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import boto3
import jsonschema
import pytest
from standardwebhooks.webhooks import Webhook as Verifier

from harness.api import Api
from local.template import Template
from loyalty.adapters import delivery_queue, event_bus
from loyalty.services import webhooks
from tests.service.events import helpers

SCHEMAS = Path(__file__).resolve().parents[3] / "docs" / "events"


def _subscribe(admin: Api, url: str, events: list[str] | None = None, webhook_id: str = "crm") -> str:
    answer = admin.put(f"/v1/admin/webhooks/{webhook_id}", {"url": url, "events": events or ["*"]})
    assert answer.status == 201, answer.body
    return str(answer.body["secret"])


def _details(tap: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [message["detail"] for message in tap]


def test_every_write_becomes_its_events_on_the_bus_in_order(events_env: str, template: Template) -> None:
    tap = helpers.create_tap()
    ids = helpers.write_day("ada") + helpers.write_day("bob")
    helpers.publisher_poller(template).drain()
    received = helpers.tapped(tap)
    assert sorted(m["detail"]["id"] for m in received) == sorted(ids)
    for member in ("ada", "bob"):
        mine = [d["id"] for d in _details(received) if d["member_id"] == member]
        assert mine == [i for i in ids if i.startswith(f"{member}:")], "a member's events keep their order"
    first = received[0]
    assert first["source"] == "loyalty"
    assert first["detail-type"] == first["detail"]["type"]
    for detail in _details(received):
        schema = json.loads((SCHEMAS / f"{detail['type']}.json").read_text())
        jsonschema.validate(detail, schema)
        assert "email" not in json.dumps(detail)


def test_writes_without_events_of_their_own_publish_nothing(events_env: str, template: Template) -> None:
    tap = helpers.create_tap()
    helpers.write_member("ada", 1, [], "2026-11-22T10:00:00.000Z")
    table = os.environ["TABLE_NAME"]
    client = boto3.client("dynamodb")
    # A write that leaves version and outbox alone (say a job's index key), and a lot item.
    client.update_item(
        TableName=table,
        Key={"PK": {"S": "MEMBER#ada"}, "SK": {"S": "PROFILE"}},
        UpdateExpression="SET GSI3PK = :k",
        ExpressionAttributeValues={":k": {"S": "DUE#DORMANT#2027-01-01#03"}},
    )
    client.put_item(
        TableName=table, Item={"PK": {"S": "MEMBER#ada"}, "SK": {"S": "LOT#2027-11-22"}, "version": {"N": "1"}}
    )
    client.delete_item(TableName=table, Key={"PK": {"S": "MEMBER#ada"}, "SK": {"S": "PROFILE"}})
    poller = helpers.publisher_poller(template)
    poller.drain()
    assert helpers.tapped(tap) == []


def test_an_item_keeping_books_reaches_the_consumer_its_books_are_taken_in_once_and_it_publishes_nothing(
    events_env: str, template: Template
) -> None:
    """The mapping's filter lets through the record of an item that keeps a write's books (an order put
    with ``booked``), the consumer adds them to the day item, and the bus hears nothing of it; the order
    updated later (a refund) and a lot item are not handed over again or at all."""
    tap = helpers.create_tap()
    table = os.environ["TABLE_NAME"]
    client = boto3.client("dynamodb")
    booked = {"M": {"d": {"S": "2027-01-05"}, "s": {"N": "3"}, "a": {"M": {"orders": {"N": "1"}}}}}
    order = {"PK": {"S": "ORDER#o-1"}, "SK": {"S": "ORDER"}, "booked": booked, "outbox": {"L": []}}
    client.put_item(TableName=table, Item=order)
    client.put_item(TableName=table, Item={"PK": {"S": "MEMBER#ada"}, "SK": {"S": "PROFILE#LOT#2028-01"}})
    poller = helpers.publisher_poller(template)
    assert poller.drain() == 1, "the order's record only"
    client.update_item(
        TableName=table,
        Key={"PK": {"S": "ORDER#o-1"}, "SK": {"S": "ORDER"}},
        UpdateExpression="SET refunded = :one",
        ExpressionAttributeValues={":one": {"N": "1"}},
    )
    assert poller.drain() == 1, "its later update passes the filter (it still has the map)..."
    day = client.get_item(
        TableName=table, Key={"PK": {"S": "ACCT#03"}, "SK": {"S": "DAY#2027-01-05"}}, ConsistentRead=True
    )
    assert day["Item"]["orders"] == {"N": "1"}, "...and adds nothing again"
    assert helpers.tapped(tap) == []


def test_a_subscriber_gets_each_event_once_signed_in_order(events_env: str, admin_api: Api, template: Template) -> None:
    with helpers.receiver() as subscriber:
        secret = _subscribe(admin_api, subscriber.url)
        ids = helpers.write_day("ada")
        helpers.publisher_poller(template).drain()
        helpers.drain_deliveries(template)
    got = [request.headers["webhook-id"] for request in subscriber.requests]
    assert got == ids
    verifier = Verifier(secret)
    for request in subscriber.requests:
        envelope = verifier.verify(request.body, request.headers)
        assert envelope["id"] == request.headers["webhook-id"]
        assert set(envelope) == {"id", "type", "occurred_at", "member_id", "data"}
    log = admin_api.get("/v1/admin/webhooks/crm/deliveries", query="limit=100").body
    assert {d["event_id"] for d in log["items"]} == set(ids)
    assert all(d["status"] == "delivered" and d["attempts"] == 1 and d["last_status"] == 200 for d in log["items"])


def test_a_filtered_subscription_gets_only_its_types(events_env: str, admin_api: Api, template: Template) -> None:
    with helpers.receiver() as subscriber:
        _subscribe(admin_api, subscriber.url, ["points.earned", "points.refunded"])
        helpers.write_day("ada")
        helpers.publisher_poller(template).drain()
        helpers.drain_deliveries(template)
    assert [json.loads(r.body)["type"] for r in subscriber.requests] == ["points.earned", "points.refunded"]


def test_a_replayed_batch_publishes_the_same_ids_and_delivers_nothing_twice(
    events_env: str, admin_api: Api, template: Template
) -> None:
    """A crash after publishing but before Lambda checkpoints: the same records come again."""
    tap = helpers.create_tap()
    with helpers.receiver() as subscriber:
        _subscribe(admin_api, subscriber.url)
        ids = helpers.write_day("ada")
        poller = helpers.publisher_poller(template)
        events: list[dict[str, Any]] = []
        original = poller.consumer

        def remember(event: dict[str, Any]) -> Any:
            events.append(event)
            return original(event)

        poller.consumer = remember
        poller.drain()
        for event in events:  # the redelivery, as the stream would make it after the crash
            assert original(event) == {"batchItemFailures": [], "state": {}}  # a tumbling window's answer
        helpers.drain_deliveries(template)
    seen = [d["id"] for d in _details(helpers.tapped(tap))]
    assert len(seen) == 2 * len(ids) and set(seen) == set(ids), "the bus got copies with the very same ids"
    assert [r.headers["webhook-id"] for r in subscriber.requests] == ids, "the subscriber got each event once"


@pytest.mark.parametrize("fault", ["bus", "queue"])
def test_a_crash_mid_publish_loses_and_doubles_nothing(
    events_env: str, admin_api: Api, template: Template, monkeypatch: pytest.MonkeyPatch, fault: str
) -> None:
    """The bus refuses (or the delivery queue is down after the delivery items were written) once:
    the record is reported failed, Lambda retries from it, and every event arrives once."""
    tap = helpers.create_tap()
    failures = {"left": 1}
    target = event_bus if fault == "bus" else delivery_queue
    name = "put" if fault == "bus" else "send"
    real = getattr(target, name)

    def flaky(*args: Any, **kwargs: Any) -> Any:
        if failures["left"]:
            failures["left"] -= 1
            raise RuntimeError("injected fault")
        return real(*args, **kwargs)

    monkeypatch.setattr(target, name, flaky)
    with helpers.receiver() as subscriber:
        _subscribe(admin_api, subscriber.url)
        ids = helpers.write_day("ada")
        helpers.publisher_poller(template).drain()
        helpers.drain_deliveries(template)
    assert failures["left"] == 0, "the fault was injected"
    assert [r.headers["webhook-id"] for r in subscriber.requests] == ids
    assert set(d["id"] for d in _details(helpers.tapped(tap))) == set(ids)


def test_a_subscriber_answering_500_three_times_then_200_gets_every_event_once(
    events_env: str, admin_api: Api, template: Template
) -> None:
    with helpers.receiver([500, 500, 500]) as subscriber:
        _subscribe(admin_api, subscriber.url)
        helpers.write_member("ada", 1, helpers.day_of_writes("ada")[0][0], "2026-11-22T10:00:00.000Z")
        helpers.write_member("ada", 2, helpers.day_of_writes("ada")[1][0], "2026-11-22T10:01:00.000Z")
        helpers.publisher_poller(template).drain()
        answers = helpers.drain_deliveries(template)
    ids = ["ada:1:0", "ada:2:0", "ada:2:1"]
    got = [r.headers["webhook-id"] for r in subscriber.requests]
    assert got == ["ada:1:0"] * 4 + ids[1:], "the first event is retried, the member's next ones wait behind it"
    assert sum(1 for a in answers if a["batchItemFailures"]) == 3
    log = {d["event_id"]: d for d in admin_api.get("/v1/admin/webhooks/crm/deliveries").body["items"]}
    assert log["ada:1:0"]["status"] == "delivered" and log["ada:1:0"]["attempts"] == 4
    assert log["ada:1:0"]["last_status"] == 200 and log["ada:1:0"]["next_attempt_at"] is None


def test_backoff_spans_more_than_a_day_then_the_delivery_fails(
    events_env: str, admin_api: Api, template: Template
) -> None:
    assert sum(webhooks.BACKOFF) >= 24 * 3600
    assert list(webhooks.BACKOFF) == sorted(webhooks.BACKOFF)
    with helpers.receiver([503] * 20) as dead, helpers.receiver() as alive:
        _subscribe(admin_api, dead.url, webhook_id="dead")
        _subscribe(admin_api, alive.url, webhook_id="alive")
        helpers.write_member("ada", 1, helpers.day_of_writes("ada")[0][0], "2026-11-22T10:00:00.000Z")
        helpers.publisher_poller(template).drain()
        helpers.drain_deliveries(template)
    assert len(dead.requests) == webhooks.ATTEMPTS
    assert len(alive.requests) == 1, "a dead subscriber does not hold up another"
    [delivery] = admin_api.get("/v1/admin/webhooks/dead/deliveries").body["items"]
    assert delivery["status"] == "failed" and delivery["attempts"] == webhooks.ATTEMPTS
    assert delivery["last_status"] == 503


def test_an_outbox_entry_that_breaks_its_schema_is_not_published(events_env: str, template: Template) -> None:
    """Personal data written into an event by mistake (an extra field) stops the record, loudly."""
    tap = helpers.create_tap()
    bad = [{"type": "member.erased", "data": {"email": "ada@example.com"}}]
    helpers.write_member("ada", 1, bad, "2026-11-22T10:00:00.000Z")
    poller = helpers.publisher_poller(template)
    answers: list[Any] = []
    original = poller.consumer
    poller.consumer = lambda event: answers.append(original(event)) or answers[-1]
    poller.poll_once()
    assert answers and answers[0]["batchItemFailures"], "the record is reported failed"
    assert helpers.tapped(tap) == []


def test_the_ledgers_outbox_as_main_writes_it_is_published(events_env: str, template: Template) -> None:
    """The data the storage rewrite (main, a5b337d) puts in its outboxes, without balances: all valid."""
    tap = helpers.create_tap()
    writes = [
        [{"type": "member.enrolled", "data": {"tier": "Bronze"}}],
        [
            {
                "type": "points.earned",
                "data": {
                    "order_id": "o-1",
                    "points": 1200,
                    "status": "available",
                    "available_at": "2026-11-22T10:01:00.000Z",
                },
            },
            {"type": "tier.changed", "data": {"from": "Bronze", "to": "Silver"}},
        ],
        [{"type": "points.refunded", "data": {"order_id": "o-1", "refund_id": "r-1", "points": 200}}],
        [
            {"type": "points.redeemed", "data": {"redemption_id": "rd-1", "points": 150}},
            {
                "type": "redemption.issued",
                "data": {"redemption_id": "rd-1", "reward_id": "coffee", "code": "ABCD2345EFGH67"},
            },
        ],
        [{"type": "redemption.cancelled", "data": {"redemption_id": "rd-1", "reward_id": "coffee", "points": 150}}],
        [{"type": "points.expired", "data": {"expires_on": "2027-11-30", "points": 50}}],
        [{"type": "points.adjusted", "data": {"adjustment_id": "a-1", "points": -5, "reason": "typo"}}],
        [{"type": "member.updated", "data": {"changed": ["marketing_opt_in"]}}],
    ]
    for version, outbox in enumerate(writes, start=1):
        helpers.write_member("ada", version, outbox, f"2026-11-22T10:0{version}:00.000Z")
    helpers.publisher_poller(template).drain()
    details = _details(helpers.tapped(tap))
    assert len(details) == sum(len(outbox) for outbox in writes)
    tier = next(d for d in details if d["type"] == "tier.changed")
    assert tier["data"]["from"] == "Bronze" and tier["data"]["to"] == "Silver"
    for detail in details:
        jsonschema.validate(detail, json.loads((SCHEMAS / f"{detail['type']}.json").read_text()))
