"""The imports queue: where an import's trigger hands the chunks of a file to the import worker.

What SendMessageBatch accepts bounds what is sent: at most 10 entries, and 256 KiB (262,144 bytes) for
each message and for the batch's bodies together. SQS has taken 1 MiB messages since 2025, but a queue
created before keeps 256 KiB unless told otherwise; the stack's queue states 256 KiB, so the code and the
queue agree wherever it is deployed.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from loyalty.adapters import aws
from loyalty.settings import settings

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

BATCH = 10  # SendMessageBatch's limit
MAX_MESSAGE_BYTES = 262_144  # 256 KiB: a message, and a batch's bodies together
MAX_BATCH_BYTES = MAX_MESSAGE_BYTES
ATTEMPTS = 5  # of a batch whose entries SQS failed on its side (boto3 retries whole-call throttles itself)
TOO_LONG_CODES = ("BatchRequestTooLong", "AWS.SimpleQueueService.BatchRequestTooLong")


class NotQueued(RuntimeError):
    """Some messages could not be queued; the message says why (SQS's code, never a message's body)."""


_client: aws.Client[SQSClient] = aws.Client(lambda: boto3.client("sqs", config=aws.config()))
reset = _client.reset


def body_of(message: Mapping[str, Any]) -> str:
    """A message's body as sent (ASCII JSON: its length is its size in bytes)."""
    return json.dumps(message, separators=(",", ":"))


def send(messages: Sequence[Mapping[str, Any]]) -> None:
    """Queue every message or raise NotQueued. A message sent twice (a retried batch SQS took part of)
    is harmless: the worker counts a chunk once."""
    url = aws.required(
        settings().imports_queue_url, "IMPORTS_QUEUE_URL", "this function cannot queue an import's chunks"
    )
    batch: list[str] = []
    size = 0
    for message in messages:
        body = body_of(message)
        if len(body) > MAX_MESSAGE_BYTES:
            raise NotQueued(f"a message of {len(body)} bytes is over SQS's {MAX_MESSAGE_BYTES}")
        if batch and (len(batch) == BATCH or size + len(body) > MAX_BATCH_BYTES):
            _send(url, batch)
            batch, size = [], 0
        batch.append(body)
        size += len(body)
    if batch:
        _send(url, batch)


def _send(url: str, bodies: list[str]) -> None:
    pending = dict(enumerate(bodies))
    codes: list[str] = []
    for attempt in range(ATTEMPTS):
        if attempt:
            time.sleep(random.uniform(0, min(0.05 * 2**attempt, 1.0)))  # full jitter
        entries = [{"Id": str(i), "MessageBody": body} for i, body in pending.items()]
        try:
            answer = _client().send_message_batch(QueueUrl=url, Entries=entries)  # type: ignore[arg-type]
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", "unknown"))
            if code in TOO_LONG_CODES and len(pending) > 1:
                # SQS measures differently than we do (it should not, but a refused batch is
                # no reason to stop): each half on its own.
                half = len(pending) // 2
                _send(url, list(pending.values())[:half])
                _send(url, list(pending.values())[half:])
                return
            raise NotQueued(f"SQS answered {code}") from None
        except BotoCoreError as error:
            raise NotQueued(f"SQS could not be reached ({type(error).__name__})") from None
        failed = answer.get("Failed") or []
        if not failed:
            return
        codes = sorted({str(entry.get("Code")) for entry in failed})
        if any(entry.get("SenderFault") for entry in failed):
            raise NotQueued(f"SQS refused {len(failed)} chunks ({', '.join(codes)})")
        # Only what failed goes again: the rest is on the queue.
        pending = {int(entry["Id"]): pending[int(entry["Id"])] for entry in failed}
    raise NotQueued(f"SQS failed {len(pending)} chunks {ATTEMPTS} times ({', '.join(codes)})")
