"""The jobs queue: where a daily job hands the shards it could not finish to the jobs worker."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import boto3

from loyalty.adapters import aws
from loyalty.settings import settings

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

BATCH = 10  # SendMessageBatch's limit


_client: aws.Client[SQSClient] = aws.Client(lambda: boto3.client("sqs", config=aws.config()))
reset = _client.reset


def send(messages: Sequence[dict[str, Any]]) -> None:
    """Queue every message or raise: a shard left neither done nor queued would be lost until the
    next run's catch-up reads it again."""
    url = aws.required(settings().jobs_queue_url, "JOBS_QUEUE_URL", "this function cannot hand work on")
    for start in range(0, len(messages), BATCH):
        chunk = messages[start : start + BATCH]
        answer = _client().send_message_batch(
            QueueUrl=url,
            Entries=[{"Id": str(i), "MessageBody": json.dumps(body)} for i, body in enumerate(chunk)],
        )
        failed = answer.get("Failed") or []
        if failed:
            raise RuntimeError(f"{len(failed)} job messages were not queued: {[f.get('Code') for f in failed]}")
