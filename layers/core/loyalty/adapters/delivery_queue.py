"""The webhook delivery queue (SQS FIFO): one message per delivery, grouped per webhook and member.

A message group holds one webhook's deliveries of one member, so they reach the subscriber in the
order the member's events happened, while other members and other webhooks go on (a dead subscriber
only holds up its own groups). The deduplication id is the delivery's own, so a publisher that sends
the same delivery twice within SQS's five-minute window queues it once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import boto3

from loyalty.adapters import aws
from loyalty.settings import settings

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

BATCH = 10


@dataclass(frozen=True)
class Outgoing:
    body: str
    group: str  # webhook_id + member_id
    deduplication: str  # the delivery id


_client: aws.Client[SQSClient] = aws.Client(lambda: boto3.client("sqs", config=aws.config()))
reset = _client.reset


def _url() -> str:
    return aws.required(settings().delivery_queue_url, "DELIVERY_QUEUE_URL", "webhook deliveries cannot be queued")


def group_id(webhook_id: str, member_id: str) -> str:
    """At most 128 characters of [!-~]: ids can be 128 each, so long pairs are hashed."""
    text = f"{webhook_id}:{member_id}"
    return text if len(text) <= 128 else hashlib.sha256(text.encode()).hexdigest()


def send(messages: Sequence[Outgoing]) -> None:
    """Queue every message, in order, or raise (the publisher then retries its stream record)."""
    for start in range(0, len(messages), BATCH):
        chunk = messages[start : start + BATCH]
        answer = _client().send_message_batch(
            QueueUrl=_url(),
            Entries=[
                {
                    "Id": str(i),
                    "MessageBody": m.body,
                    "MessageGroupId": m.group,
                    "MessageDeduplicationId": m.deduplication,
                }
                for i, m in enumerate(chunk)
            ],
        )
        failed = answer.get("Failed") or []
        if failed:
            raise RuntimeError(f"{len(failed)} webhook deliveries were not queued: {[f.get('Code') for f in failed]}")


def postpone(receipt_handle: str, seconds: int) -> None:
    """Make a received message visible again in ``seconds`` (the backoff of a failed attempt)."""
    _client().change_message_visibility(QueueUrl=_url(), ReceiptHandle=receipt_handle, VisibilityTimeout=seconds)
