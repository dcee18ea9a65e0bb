"""S3 event notifications, locally as when deployed.

Deployed, S3 invokes a function for each upload its bucket's notification names (SAM's ``Type: S3``
events). moto's S3 invokes no local function, but it does send the same event to an SQS queue: so the
stack (``wire``) gives each such function a queue on moto, points the bucket's notification at it with
the template's events and key filter, and a poller hands each message's body (the S3 event, as S3 sends
it) to the function. An upload to a presigned URL by any client (curl, the console, a browser) then
starts what it starts when deployed. A failing invocation is tried three times in all, as Lambda tries
an asynchronous invocation (then dropped, as Lambda drops it without a destination).

``object_created`` builds that event by hand, for tests that call a function without the stack.
"""

from __future__ import annotations

import json
import sys
import threading
import traceback
from collections import defaultdict
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, NamedTuple
from urllib.parse import quote_plus

import boto3

from local import runtime
from local.intrinsics import REGION
from local.poller import SqsPoller
from local.template import SqsSource, Template

ASYNC_ATTEMPTS = 3  # Lambda's asynchronous invocation: the first try and two retries
TEST_EVENT = "s3:TestEvent"  # what S3 (and moto) sends a queue when a notification is configured


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


class S3Source(NamedTuple):
    function: str
    event: str  # the event's name in the template (its configurationId, as SAM names it: function + event)
    bucket: str  # the bucket's logical id
    events: list[str]
    rules: list[dict[str, str]]  # [{"Name": "prefix" | "suffix", "Value": ...}]


def s3_sources(template: Template) -> list[S3Source]:
    sources = []
    for logical_id, spec in template.functions().items():
        for name, event in spec.events.items():
            if event.get("Type") != "S3":
                continue
            props = event.get("Properties", {})
            bucket = props["Bucket"]
            if not (isinstance(bucket, dict) and "Ref" in bucket):
                raise ValueError(f"{logical_id}.{name}: an S3 event's Bucket must be a !Ref to the stack's bucket")
            events = props["Events"] if isinstance(props["Events"], list) else [props["Events"]]
            rules = props.get("Filter", {}).get("S3Key", {}).get("Rules", [])
            sources.append(
                S3Source(logical_id, name, str(bucket["Ref"]), [str(e) for e in events], [dict(r) for r in rules])
            )
    return sources


def _consumer(template: Template, function: str) -> Any:
    def consume(event: dict[str, Any]) -> None:
        for record in event["Records"]:
            body = json.loads(record["body"])
            if body.get("Event") == TEST_EVENT:
                continue
            receives = int(record.get("attributes", {}).get("ApproximateReceiveCount") or 1)
            try:
                runtime.invoke(template, function, body)
            except Exception:
                if receives < ASYNC_ATTEMPTS:
                    raise  # the poller makes it visible again: Lambda's retry
                traceback.print_exc(file=sys.stderr)
                print(f"{function}: S3 event dropped after {receives} attempts", file=sys.stderr)

    return consume


def wire(
    template: Template,
    physical: Mapping[str, str],
    stop: threading.Event,
    session: boto3.Session | None = None,
) -> list[SqsPoller]:
    """Point each bucket's notifications at a queue per function and start their pollers."""
    session = session or boto3.Session()
    sqs, s3 = session.client("sqs"), session.client("s3")
    by_bucket: dict[str, list[dict[str, Any]]] = defaultdict(list)
    pollers = []
    for source in s3_sources(template):
        url = sqs.create_queue(QueueName=f"s3-events-{source.function}-{source.event}")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        configuration: dict[str, Any] = {"Id": source.function + source.event, "QueueArn": arn, "Events": source.events}
        if source.rules:
            configuration["Filter"] = {"Key": {"FilterRules": source.rules}}
        by_bucket[physical[source.bucket]].append(configuration)
        poller_source = SqsSource(source.function, source.bucket, 1, False)
        pollers.append(SqsPoller(poller_source, url, _consumer(template, source.function), stop, session.client("sqs")))
    for bucket, configurations in by_bucket.items():
        s3.put_bucket_notification_configuration(
            Bucket=bucket,
            NotificationConfiguration={"QueueConfigurations": configurations},  # type: ignore[typeddict-item]
        )
    for poller in pollers:
        poller.start()
    return pollers
