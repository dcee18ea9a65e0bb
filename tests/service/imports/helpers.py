"""Driving a bulk import as AWS would: the upload (to moto's S3), the bucket's event to the trigger,
the imports queue drained into the worker."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import boto3

from harness.api import Api
from local import runtime
from local.poller import sqs_record
from local.s3_events import object_created
from local.template import Template


def s3_event(bucket: str, key: str, etag: str, size: int) -> dict[str, Any]:
    """The event S3 sends a Lambda notification for one uploaded object."""
    return object_created(bucket, key, etag, size, "ImportTriggerFunctionUploaded")


def lines_of(rows: Iterable[Any]) -> bytes:
    return "".join((row if isinstance(row, str) else json.dumps(row)) + "\n" for row in rows).encode()


def upload(upload_url: str, body: bytes) -> tuple[str, str, str]:
    """PUT the file where the presigned URL points (moto's S3, in process): (bucket, key, etag)."""
    parts = urlsplit(upload_url)
    assert "X-Amz-Signature=" in parts.query and "X-Amz-Expires=3600" in parts.query
    if parts.netloc.startswith("s3.") or parts.netloc.startswith("s3-"):
        bucket, _, key = parts.path.lstrip("/").partition("/")
    else:
        bucket, key = parts.netloc.split(".")[0], parts.path.lstrip("/")
    s3 = boto3.client("s3")
    s3.put_object(Bucket=bucket, Key=key, Body=body)
    etag = s3.head_object(Bucket=bucket, Key=key)["ETag"].strip('"')
    return bucket, key, etag


def drain(template: Template, queue_url: str, *, limit: int | None = None) -> int:
    """Deliver the imports queue to the worker as the event source mapping does, a message at a time
    (BatchSize 1); returns how many were delivered. ``limit`` stops early (a crash mid-run)."""
    sqs = boto3.client("sqs")
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    delivered = 0
    while limit is None or delivered < limit:
        answer = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
        messages = answer.get("Messages", [])
        if not messages:
            return delivered
        for message in messages:
            if limit is not None and delivered >= limit:
                return delivered  # the rest come back after their visibility timeout
            result = runtime.invoke(template, "ImportWorkerFunction", {"Records": [sqs_record(message, arn)]})
            assert result == {"batchItemFailures": []}, result
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
            delivered += 1
    return delivered


def run_import(template: Template, admin: Api, import_id: str, body: bytes, queue_url: str) -> dict[str, Any]:
    """Create, upload, trigger, work every chunk; the final report."""
    created = admin.post("/v1/admin/imports", {"import_id": import_id})
    assert created.status in (200, 201), created.body
    bucket, key, etag = upload(created.body["upload_url"], body)
    triggered = runtime.invoke(template, "ImportTriggerFunction", s3_event(bucket, key, etag, len(body)))
    assert triggered["imports"][0]["outcome"] == "queued", triggered
    drain(template, queue_url)
    report = admin.get(f"/v1/admin/imports/{import_id}")
    assert report.status == 200, report.body
    return report.body
