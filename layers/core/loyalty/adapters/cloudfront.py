"""CloudFront: read and rewrite the console's response headers policy (Custom::ConsoleConnectSrc)."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.exceptions import ClientError

from loyalty.adapters import aws


class PolicyChanged(RuntimeError):
    """The policy changed between our read and our write (its ETag no longer matches): read it again."""


# no boto3 stubs for CloudFront in the dev requirements: the two calls are typed here
_client: aws.Client[Any] = aws.Client(lambda: boto3.client("cloudfront", config=aws.config()))
reset = _client.reset


def response_headers_policy(policy_id: str) -> tuple[dict[str, Any], str]:
    """The policy's configuration and its ETag (what an update must name)."""
    answer = _client().get_response_headers_policy(Id=policy_id)
    return dict(answer["ResponseHeadersPolicy"]["ResponseHeadersPolicyConfig"]), str(answer["ETag"])


def update_response_headers_policy(policy_id: str, config: dict[str, Any], etag: str) -> None:
    try:
        _client().update_response_headers_policy(Id=policy_id, IfMatch=etag, ResponseHeadersPolicyConfig=config)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "PreconditionFailed":
            raise PolicyChanged(policy_id) from error
        raise
