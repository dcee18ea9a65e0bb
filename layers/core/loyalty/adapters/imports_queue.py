"""The imports queue: where an import's trigger hands the chunks of a file to the import worker."""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

from loyalty.settings import settings

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

BATCH = 10  # SendMessageBatch's limit
MAX_BATCH_BYTES = 250_000  # SendMessageBatch's total payload limit is 256 KiB


@cache
def _client() -> SQSClient:
    return boto3.client("sqs", config=Config(retries={"mode": "standard", "max_attempts": 5}))


def reset() -> None:
    _client.cache_clear()


def send(messages: Sequence[dict[str, Any]]) -> None:
    """Queue every message or raise (the trigger then fails and S3's event is retried: chunks already
    counted are skipped by the worker)."""
    url = settings().imports_queue_url
    if not url:
        raise RuntimeError("IMPORTS_QUEUE_URL is not set: this function cannot queue an import's chunks")
    batch: list[str] = []
    size = 0
    for message in messages:
        body = json.dumps(message, separators=(",", ":"))
        if batch and (len(batch) == BATCH or size + len(body) > MAX_BATCH_BYTES):
            _send(url, batch)
            batch, size = [], 0
        batch.append(body)
        size += len(body)
    if batch:
        _send(url, batch)


def _send(url: str, bodies: list[str]) -> None:
    answer = _client().send_message_batch(
        QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": body} for i, body in enumerate(bodies)]
    )
    failed = answer.get("Failed") or []
    if failed:
        raise RuntimeError(f"{len(failed)} import chunks were not queued: {[f.get('Code') for f in failed]}")
