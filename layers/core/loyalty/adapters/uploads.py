"""The imports bucket: presigned upload URLs and reading an uploaded file."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import boto3
from botocore.exceptions import ClientError

from loyalty.adapters import aws
from loyalty.settings import settings

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

UPLOAD_URL_SECONDS = 3600


# SigV4 and the regional endpoint, virtual-hosted (https://<bucket>.s3.<region>.amazonaws.com, in
# us-east-1 too, where botocore would otherwise presign the global endpoint): what a presigned PUT from any
# client needs, and the one origin the console's Content-Security-Policy lets it PUT to (template.yaml,
# ConsoleConnectSrc). A local endpoint (AWS_ENDPOINT_URL) is addressed by path, as botocore does for an IP.
_S3_ADDRESSING = {"addressing_style": "virtual", "us_east_1_regional_endpoint": "regional"}
_client: aws.Client[S3Client] = aws.Client(
    lambda: boto3.client("s3", config=aws.config(signature_version="s3v4", s3=_S3_ADDRESSING))
)
reset = _client.reset


def bucket() -> str:
    return aws.required(settings().imports_bucket, "IMPORTS_BUCKET", "this function cannot reach the imports bucket")


def upload_url(key: str) -> str:
    """A URL a client PUTs the file to (no headers to sign: any client can use it)."""
    return _client().generate_presigned_url(
        "put_object", Params={"Bucket": bucket(), "Key": key}, ExpiresIn=UPLOAD_URL_SECONDS
    )


class Unavailable(Exception):
    """The uploaded file cannot be read as the event named it: ``replaced`` (a later upload overwrote it:
    another ETag), or gone (deleted since, an event that came late)."""

    def __init__(self, replaced: bool) -> None:
        super().__init__("replaced by a later upload" if replaced else "no longer in the bucket")
        self.replaced = replaced


def lines(bucket_name: str, key: str, etag: str) -> Iterator[bytes]:
    """The lines of the file the upload event named (by its ETag: a later overwrite does not change what
    an import reads), raw, streamed (a file of any size is never held whole); Unavailable when that file
    is not there any more."""
    try:
        body = _client().get_object(Bucket=bucket_name, Key=key, IfMatch=etag)["Body"]
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code")
        if code in ("NoSuchKey", "404"):
            raise Unavailable(replaced=False) from None
        if code in ("PreconditionFailed", "412"):
            raise Unavailable(replaced=True) from None
        raise
    return body.iter_lines(keepends=False)
