"""The accrual queue, as a producer: inbound platform webhooks are queued here for the consumer."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import boto3

from loyalty.adapters import aws
from loyalty.settings import settings

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient


# Short timeouts: the platform waits for our answer, and it retries a webhook we do not accept.
_client: aws.Client[SQSClient] = aws.Client(
    lambda: boto3.client("sqs", config=aws.config(3, connect_timeout=1, read_timeout=2))
)
reset = _client.reset


def send(message: dict[str, Any]) -> str:
    url = aws.required(settings().accrual_queue_url, "ACCRUAL_QUEUE_URL", "platform webhooks cannot be queued")
    return _client().send_message(QueueUrl=url, MessageBody=json.dumps(message))["MessageId"]
