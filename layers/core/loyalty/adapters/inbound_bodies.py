"""Inbound webhook bodies in the stack's bucket (the imports bucket, under ``inbound/``).

The accrual queue carries a pointer to the body, not the body: SQS takes 256 KiB and a platform sends
up to 3 MB; and a body kept here can be deleted by the member's erasure, which a message sitting in a
queue or its dead-letter queue cannot. The bucket encrypts at rest (SSE) and a lifecycle rule deletes
what is left under ``inbound/`` after 15 days (longer than the dead-letter queue keeps its pointer).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import boto3
from botocore.exceptions import ClientError

from loyalty.adapters import aws
from loyalty.settings import settings

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import ObjectIdentifierTypeDef

PREFIX = "inbound/"
DELETE_BATCH = 1000  # what one DeleteObjects takes


# Short timeouts on the way in: the platform waits for our answer and retries one we fail.
_client: aws.Client[S3Client] = aws.Client(
    lambda: boto3.client("s3", config=aws.config(3, connect_timeout=1, read_timeout=5))
)
reset = _client.reset


def _bucket() -> str:
    return aws.required(settings().inbound_bucket, "INBOUND_BUCKET", "inbound webhook bodies cannot be kept")


def put(key: str, body: bytes) -> None:
    """Store a body, or raise (the webhook is then answered 5xx and the platform sends it again)."""
    _client().put_object(Bucket=_bucket(), Key=key, Body=body, ContentType="application/octet-stream")


def get(key: str) -> bytes | None:
    """The body, or None when it is gone (processed already, erased, or expired)."""
    try:
        answer = _client().get_object(Bucket=_bucket(), Key=key)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            return None
        raise
    return answer["Body"].read()


def delete(key: str) -> None:
    _client().delete_object(Bucket=_bucket(), Key=key)


def delete_prefix(prefix: str) -> int:
    """Delete every body under ``prefix``; returns how many were deleted."""
    deleted = 0
    for page in _client().get_paginator("list_objects_v2").paginate(Bucket=_bucket(), Prefix=prefix):
        keys: list[ObjectIdentifierTypeDef] = [{"Key": item["Key"]} for item in page.get("Contents", [])]
        for start in range(0, len(keys), DELETE_BATCH):
            chunk = keys[start : start + DELETE_BATCH]
            answer = _client().delete_objects(Bucket=_bucket(), Delete={"Objects": chunk, "Quiet": True})
            errors = answer.get("Errors") or []
            if errors:
                raise RuntimeError(f"{len(errors)} inbound bodies could not be deleted: {errors[0].get('Code')}")
            deleted += len(chunk)
    return deleted
