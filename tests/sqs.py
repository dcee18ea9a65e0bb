"""SQS-to-Lambda event records, shaped as the event source mapping delivers them; and what waits in a queue."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

import boto3

QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:AccrualQueue"


def record(body: Any, message_id: str | None = None) -> dict[str, Any]:
    text = body if isinstance(body, str) else json.dumps(body)
    return {
        "messageId": message_id or str(uuid.uuid4()),
        "receiptHandle": uuid.uuid4().hex,
        "body": text,
        "attributes": {
            "ApproximateReceiveCount": "1",
            "SentTimestamp": "1795368000000",
            "SenderId": "AIDAEXAMPLE",
            "ApproximateFirstReceiveTimestamp": "1795368000001",
        },
        "messageAttributes": {},
        "md5OfBody": hashlib.md5(text.encode()).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": QUEUE_ARN,
        "awsRegion": "us-east-1",
    }


def batch(*records: dict[str, Any]) -> dict[str, Any]:
    return {"Records": list(records)}


def taken(url: str) -> list[dict[str, Any]]:
    """Every message waiting in the queue at ``url``, received and deleted: their JSON bodies, in order."""
    client = boto3.client("sqs")
    found: list[dict[str, Any]] = []
    while True:
        messages = client.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
        if not messages:
            return found
        for message in messages:
            found.append(json.loads(message["Body"]))
            client.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
