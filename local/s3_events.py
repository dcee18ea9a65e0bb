"""S3 event notifications, emulated: moto's S3 does not invoke Lambda, so whoever uploads locally (``make
import``, the tests) hands the function the event S3 would send, in its AWS shape (event version 2.1)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote_plus

from local.intrinsics import REGION


def object_created(bucket: str, key: str, etag: str, size: int, configuration: str = "Uploaded") -> dict[str, Any]:
    """The event of one ``ObjectCreated:Put``; the key URL-encoded as S3 sends it."""
    now = datetime.now(UTC)
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": REGION,
                "eventTime": now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z",
                "eventName": "ObjectCreated:Put",
                "userIdentity": {"principalId": "AWS:AIDALOCALEXAMPLE"},
                "requestParameters": {"sourceIPAddress": "127.0.0.1"},
                "responseElements": {"x-amz-request-id": "LOCAL0123456789A", "x-amz-id-2": "local/stack"},
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": configuration,
                    "bucket": {
                        "name": bucket,
                        "ownerIdentity": {"principalId": "LOCALEXAMPLE"},
                        "arn": f"arn:aws:s3:::{bucket}",
                    },
                    "object": {
                        "key": quote_plus(key, safe="/"),
                        "size": size,
                        "eTag": etag,
                        "sequencer": f"{int(now.timestamp() * 1e6):018X}",
                    },
                },
            }
        ]
    }
