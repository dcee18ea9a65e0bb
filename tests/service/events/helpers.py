"""What the events and integrations suites share: member writes in the outbox shape, the stream and
delivery queue driven the way Lambda drives them, a bus tap, and a scripted webhook receiver."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import boto3

from local import loopback, runtime, streams
from local.template import Template
from loyalty.store import client as store_client
from tests.sqs import taken

TAP_QUEUE = "LoyaltyEventsTap"


def write_member(member_id: str, version: int, outbox: list[dict[str, Any]], at: str, **fields: Any) -> None:
    """A member profile write as the ledger makes it: version + 1, the write's events in ``outbox``."""
    item = {
        "PK": f"MEMBER#{member_id}",
        "SK": "PROFILE",
        "member_id": member_id,
        "status": "active",
        "version": version,
        "outbox": outbox,
        "outbox_at": at,
        **fields,
    }
    store_client.dynamodb().put_item(TableName=os.environ["TABLE_NAME"], Item=store_client.to_item(item))


def balance(available: int, pending: int = 0) -> dict[str, int]:
    return {"available": available, "pending": pending}


def day_of_writes(member_id: str) -> list[tuple[list[dict[str, Any]], str]]:
    """A member's day in outbox entries: enroll, earn (tier up), refund, redeem, use, cancel, expire, adjust."""
    return [
        (
            [
                {
                    "type": "member.enrolled",
                    "data": {
                        "enrolled_at": "2026-11-22T10:00:00.000Z",
                        "tier": "Bronze",
                        "marketing_opt_in": False,
                        "referred": False,
                    },
                }
            ],
            "2026-11-22T10:00:00.000Z",
        ),
        (
            [
                {
                    "type": "points.earned",
                    "data": {
                        "order_id": f"o-{member_id}",
                        "points": 1200,
                        "status": "available",
                        "available_at": "2026-11-22T10:01:00.000Z",
                        "balance": balance(1200),
                    },
                },
                {"type": "tier.changed", "data": {"from": "Bronze", "to": "Silver", "direction": "up"}},
            ],
            "2026-11-22T10:01:00.000Z",
        ),
        (
            [
                {
                    "type": "points.refunded",
                    "data": {"order_id": f"o-{member_id}", "refund_id": "r-1", "points": 200, "balance": balance(1000)},
                }
            ],
            "2026-11-22T10:02:00.000Z",
        ),
        (
            [
                {
                    "type": "points.redeemed",
                    "data": {"redemption_id": "rd-1", "reward_id": "coffee", "points": 150, "balance": balance(850)},
                },
                {
                    "type": "redemption.issued",
                    "data": {"redemption_id": "rd-1", "reward_id": "coffee", "points": 150, "code": "ABCD2345EFGH67"},
                },
            ],
            "2026-11-22T10:03:00.000Z",
        ),
        (
            [{"type": "redemption.used", "data": {"redemption_id": "rd-1", "reward_id": "coffee"}}],
            "2026-11-22T10:04:00.000Z",
        ),
        (
            [
                {
                    "type": "redemption.cancelled",
                    "data": {"redemption_id": "rd-2", "reward_id": "coffee", "points": 150},
                }
            ],
            "2026-11-22T10:05:00.000Z",
        ),
        (
            [{"type": "points.expired", "data": {"points": 50, "expires_on": "2027-11-22", "balance": balance(800)}}],
            "2027-11-23T05:15:00.000Z",
        ),
        (
            [
                {
                    "type": "points.adjusted",
                    "data": {"adjustment_id": "adj-1", "points": 25, "reason": "goodwill", "balance": balance(825)},
                }
            ],
            "2027-11-23T06:00:00.000Z",
        ),
        (
            [
                {
                    "type": "membership.started",
                    "data": {
                        "membership_id": "plus",
                        "until": "2027-12-23T05:00:00.000Z",
                        "order_id": "o-9",
                        "renewed": False,
                    },
                },
                {
                    "type": "tier.changed",
                    "data": {
                        "from": "Silver",
                        "to": "Gold",
                        "perks": [
                            {"perk_id": "ship", "kind": "free_shipping", "label": "Free shipping"},
                            {"perk_id": "gold-10", "kind": "discount_percent", "label": "10% off", "value": 10},
                        ],
                    },
                },
            ],
            "2027-11-23T07:00:00.000Z",
        ),
        (
            [
                {"type": "membership.ended", "data": {"membership_id": "plus", "reason": "refund", "order_id": "o-9"}},
                {"type": "tier.changed", "data": {"from": "Gold", "to": "Silver"}},
            ],
            "2027-11-24T07:00:00.000Z",
        ),
    ]


def write_day(member_id: str) -> list[str]:
    """Write the day; returns the event ids it must produce, in order."""
    ids = []
    for version, (outbox, at) in enumerate(day_of_writes(member_id), start=1):
        write_member(member_id, version, outbox, at, available=0)
        ids += [f"{member_id}:{version}:{index}" for index in range(len(outbox))]
    return ids


def publisher_poller(template: Template, physical: dict[str, str] | None = None) -> streams.StreamPoller:
    names = physical or {"LoyaltyTable": os.environ["TABLE_NAME"]}
    found = streams.pollers(template, names, threading.Event())
    assert len(found) == 1, "the template has one stream event source"
    return found[0]


def create_tap() -> str:
    """A queue with a rule on the bus that forwards every loyalty event to it (a bus consumer)."""
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName=TAP_QUEUE)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events = boto3.client("events")
    bus = os.environ["EVENT_BUS_NAME"]
    events.put_rule(Name="tap", EventBusName=bus, EventPattern=json.dumps({"source": ["loyalty"]}))
    events.put_targets(Rule="tap", EventBusName=bus, Targets=[{"Id": "tap", "Arn": arn}])
    return url


def tapped(url: str) -> list[dict[str, Any]]:
    """Every event the bus delivered to the tap so far (EventBridge's envelope, our event in detail)."""
    return taken(url)


def drain_deliveries(template: Template, rounds: int = 200) -> list[dict[str, Any]]:
    """Run the delivery worker over the FIFO queue, one message per invocation (BatchSize 1), as Lambda
    would; a message the worker postponed is made visible at once (the backoff, compressed). Returns the
    worker's answers."""
    sqs = boto3.client("sqs")
    url = os.environ["DELIVERY_QUEUE_URL"]
    answers = []
    for _ in range(rounds):
        messages = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=1, WaitTimeSeconds=0, MessageSystemAttributeNames=["All"]
        ).get("Messages", [])
        if not messages:
            break
        message = messages[0]
        record = {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": dict(message.get("Attributes", {})),
            "messageAttributes": {},
            "md5OfBody": message["MD5OfBody"],
            "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:DeliveryQueue.fifo",
            "awsRegion": "us-east-1",
        }
        answer = runtime.invoke(template, "WebhookDeliveryFunction", {"Records": [record]})
        answers.append(answer)
        if answer.get("batchItemFailures"):
            sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0)
        else:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return answers


@dataclass
class Received:
    headers: dict[str, str]
    body: str


@dataclass
class Receiver:
    """A subscriber on loopback: answers with the scripted statuses, then 200; records every request."""

    script: list[int] = field(default_factory=list)
    requests: list[Received] = field(default_factory=list)
    url: str = ""


@contextmanager
def receiver(script: list[int] | None = None) -> Iterator[Receiver]:
    state = Receiver(script=list(script or []))

    def answer(request: loopback.Request) -> int:
        state.requests.append(Received(request.headers, request.body.decode()))
        return state.script.pop(0) if state.script else 200

    with loopback.serving(answer) as base_url:
        state.url = f"{base_url}/hooks/loyalty"
        yield state
