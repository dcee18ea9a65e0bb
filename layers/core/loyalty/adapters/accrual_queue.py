"""The accrual queue, as a producer: inbound platform webhooks are queued here for the consumer."""

from __future__ import annotations

import json
from functools import cache
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

from loyalty.settings import settings

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient


@cache
def _client() -> SQSClient:
    # Short timeouts: the platform waits for our answer, and it retries a webhook we do not accept.
    config = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=1, read_timeout=2)
    return boto3.client("sqs", config=config)


def reset() -> None:
    _client.cache_clear()


def send(message: dict[str, Any]) -> str:
    url = settings().accrual_queue_url
    if not url:
        raise RuntimeError("ACCRUAL_QUEUE_URL is not set: platform webhooks cannot be queued")
    return _client().send_message(QueueUrl=url, MessageBody=json.dumps(message))["MessageId"]
