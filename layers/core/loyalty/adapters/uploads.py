"""The imports bucket: presigned upload URLs and reading an uploaded file."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from loyalty.settings import settings

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

UPLOAD_URL_SECONDS = 3600


@cache
def _client() -> S3Client:
    # SigV4 and the regional endpoint: what a presigned PUT from any client needs.
    return boto3.client("s3", config=Config(signature_version="s3v4", retries={"mode": "standard", "max_attempts": 5}))


def reset() -> None:
    _client.cache_clear()


def bucket() -> str:
    name = settings().imports_bucket
    if not name:
        raise RuntimeError("IMPORTS_BUCKET is not set: this function cannot reach the imports bucket")
    return name


def upload_url(key: str) -> str:
    """A URL a client PUTs the file to (no headers to sign: any client can use it)."""
    return _client().generate_presigned_url(
        "put_object", Params={"Bucket": bucket(), "Key": key}, ExpiresIn=UPLOAD_URL_SECONDS
    )


def lines(bucket_name: str, key: str) -> Iterator[str] | None:
    """The file's lines, streamed (a file of any size is never held whole); None when it is gone (an
    event that came late, a file deleted since)."""
    try:
        body = _client().get_object(Bucket=bucket_name, Key=key)["Body"]
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") not in ("NoSuchKey", "404"):
            raise
        return None
    return (raw.decode("utf-8", errors="replace") for raw in body.iter_lines(keepends=False))
