"""The CloudFormation custom resource response: a PUT of the outcome to the request's presigned S3 URL
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-responses.html)."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

TIMEOUT_SECONDS = 10


def send(response_url: str, body: dict[str, Any]) -> int:
    """PUT the response; the URL is presigned for an empty content type, so none is sent."""
    if not response_url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
        raise ValueError("a CloudFormation response URL is https")
    data = json.dumps(body).encode()
    headers = {"Content-Type": "", "Content-Length": str(len(data))}
    request = urllib.request.Request(response_url, data=data, method="PUT", headers=headers)  # noqa: S310 - checked
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:  # noqa: S310 - scheme checked above
        return int(answer.status)
