"""DynamoDB stream event sources, emulated as local/poller.py emulates SQS ones.

For each ``AWS::Lambda::EventSourceMapping`` of the template whose source is a table's ``StreamArn``,
a poller reads the table's stream (moto and DynamoDB Local both implement DynamoDB Streams:
describe_stream / get_shard_iterator / get_records), builds the event Lambda would send (records in the
shape Lambda gives them, ``ApproximateCreationDateTime`` in epoch seconds), drops the records the
mapping's FilterCriteria do not match (they count as processed, as in Lambda), names the shard as Lambda
does with a tumbling window (``shardId``, ``window``, ``state``: TumblingWindowInSeconds), and applies
ReportBatchItemFailures: the batch is retried from the first failed sequence number; after
MaximumRetryAttempts the failed records' metadata goes to the on-failure destination queue and the
shard moves on.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import boto3

from local import runtime
from local.intrinsics import REGION
from local.template import Template

Consumer = Callable[[dict[str, Any]], Any]
STREAM_ARN = "StreamArn"


@dataclass(frozen=True)
class StreamSource:
    function: str
    table: str  # logical id
    batch_size: int
    starting_position: str
    report_batch_item_failures: bool
    max_retries: int  # -1: until the record expires
    filters: list[dict[str, Any]]
    on_failure: str | None  # logical id of the destination queue
    tumbling_window: int = 0  # seconds; with one, each event names its shard


def stream_sources(template: Template) -> list[StreamSource]:
    sources = []
    for mapping in template.resources("AWS::Lambda::EventSourceMapping").values():
        props = mapping.get("Properties", {})
        arn = props.get("EventSourceArn")
        att = arn.get("Fn::GetAtt") if isinstance(arn, dict) else None
        if att is None:
            continue
        logical_id, attribute = att.split(".", 1) if isinstance(att, str) else att
        if attribute != STREAM_ARN or props.get("Enabled", True) is False:
            continue
        destination = ((props.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
        on_failure = None
        if isinstance(destination, dict) and "Fn::GetAtt" in destination:
            target = destination["Fn::GetAtt"]
            on_failure = target.split(".")[0] if isinstance(target, str) else target[0]
        function = props["FunctionName"]
        sources.append(
            StreamSource(
                function=str(function.get("Ref") if isinstance(function, dict) else function),
                table=logical_id,
                batch_size=int(props.get("BatchSize", 100)),
                starting_position=str(props.get("StartingPosition", "LATEST")),
                report_batch_item_failures="ReportBatchItemFailures" in props.get("FunctionResponseTypes", []),
                max_retries=int(props.get("MaximumRetryAttempts", -1)),
                filters=[json.loads(f["Pattern"]) for f in (props.get("FilterCriteria") or {}).get("Filters", [])],
                on_failure=on_failure,
                tumbling_window=int(props.get("TumblingWindowInSeconds", 0)),
            )
        )
    return sources


# --- FilterCriteria (the subset of EventBridge patterns Lambda's filters use) ------------------------


def _value_matches(rule: Any, value: Any, present: bool) -> bool:
    if isinstance(rule, dict):
        if "exists" in rule:
            return bool(rule["exists"]) == present
        if not present:
            return False
        if "prefix" in rule:
            return isinstance(value, str) and value.startswith(rule["prefix"])
        if "anything-but" in rule:
            excluded = rule["anything-but"]
            return value not in (excluded if isinstance(excluded, list) else [excluded])
        raise ValueError(f"filter rule {rule!r} is not emulated locally")
    return present and value == rule


def matches(pattern: Mapping[str, Any], document: Mapping[str, Any]) -> bool:
    """Whether ``document`` (a stream record) matches one filter pattern."""
    for key, rule in pattern.items():
        present = key in document
        value = document.get(key)
        if isinstance(rule, dict) and not any(k in rule for k in ("exists", "prefix", "anything-but")):
            if not present or not isinstance(value, Mapping) or not matches(rule, value):
                return False
        elif isinstance(rule, list):
            if not any(_value_matches(r, value, present) for r in rule):
                return False
        else:
            raise ValueError(f"filter {key!r}: a pattern's leaves are lists of rules")
    return True


def passes(filters: list[dict[str, Any]], record: Mapping[str, Any]) -> bool:
    return not filters or any(matches(pattern, record) for pattern in filters)


# --- records ----------------------------------------------------------------------------------------


def lambda_record(raw: dict[str, Any], stream_arn: str) -> dict[str, Any]:
    """A get_records record as Lambda hands it to the function."""
    change = dict(raw["dynamodb"])
    created = change.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        change["ApproximateCreationDateTime"] = float(int(created.timestamp()))
    return {
        "eventID": raw["eventID"],
        "eventName": raw["eventName"],
        "eventVersion": raw.get("eventVersion", "1.1"),
        "eventSource": "aws:dynamodb",
        "awsRegion": raw.get("awsRegion", REGION),
        "dynamodb": change,
        "eventSourceARN": stream_arn,
    }


def failed_sequence(result: Any, records: list[dict[str, Any]]) -> str | None:
    """The sequence number Lambda retries from, or None when the batch succeeded."""
    if result is None:
        return None
    sequences = [record["dynamodb"]["SequenceNumber"] for record in records]
    if not isinstance(result, dict):
        return sequences[0]
    ids = [f.get("itemIdentifier") if isinstance(f, dict) else None for f in result.get("batchItemFailures") or []]
    if not ids:
        return None
    if not set(ids) <= set(sequences):
        return sequences[0]  # Lambda's rule: an unknown identifier fails the whole batch
    return min(ids, key=sequences.index)


class StreamPoller(threading.Thread):
    """One table stream's shards, read in order, handed to the consumer in batches."""

    def __init__(
        self,
        source: StreamSource,
        table_name: str,
        consumer: Consumer,
        stop: threading.Event,
        session: boto3.Session | None = None,
        dead_letter_url: str | None = None,
        idle_seconds: float = 0.5,
    ) -> None:
        super().__init__(name=f"stream-{source.function}", daemon=True)
        session = session or boto3.Session()
        endpoint = os.environ.get("AWS_ENDPOINT_URL_DYNAMODB") or os.environ.get("AWS_ENDPOINT_URL")
        self.source = source
        self.consumer = consumer
        self.stop_event = stop
        self.dynamodb = session.client("dynamodb", endpoint_url=endpoint) if endpoint else session.client("dynamodb")
        # botocore's endpoint rules would send stream calls to an ARN-derived host, which neither the
        # local backends nor moto's in-process mock answer: name the regional endpoint outright.
        region = session.region_name or REGION
        self.streams = session.client(
            "dynamodbstreams", endpoint_url=endpoint or f"https://streams.dynamodb.{region}.amazonaws.com"
        )
        self.sqs = session.client("sqs")
        self.table_name = table_name
        self.dead_letter_url = dead_letter_url
        self.idle_seconds = idle_seconds
        self.stream_arn = ""
        self.iterators: dict[str, str | None] = {}  # shard id -> next iterator (None: shard closed)
        self.retries: dict[str, int] = {}  # sequence number -> failed attempts

    def _stream_arn(self) -> str:
        if not self.stream_arn:
            table = self.dynamodb.describe_table(TableName=self.table_name)["Table"]
            self.stream_arn = str(table["LatestStreamArn"])
        return self.stream_arn

    def _shards(self) -> list[str]:
        description = self.streams.describe_stream(StreamArn=self._stream_arn())["StreamDescription"]
        return [shard["ShardId"] for shard in description.get("Shards", [])]

    def _iterator(self, shard: str, kind: str, sequence: str | None = None) -> str:
        request: dict[str, Any] = {"StreamArn": self._stream_arn(), "ShardId": shard, "ShardIteratorType": kind}
        if sequence:
            request["SequenceNumber"] = sequence
        return str(self.streams.get_shard_iterator(**request)["ShardIterator"])

    def poll_once(self) -> int:
        """Read each shard once and hand what was new to the consumer; returns records handed over."""
        handed = 0
        for shard in self._shards():
            if shard not in self.iterators:
                self.iterators[shard] = self._iterator(shard, self.source.starting_position)
            iterator = self.iterators[shard]
            if iterator is None:
                continue
            answer = self.streams.get_records(ShardIterator=iterator, Limit=self.source.batch_size)
            raw = answer.get("Records", [])
            self.iterators[shard] = answer.get("NextShardIterator")
            records = [lambda_record(dict(r), self._stream_arn()) for r in raw]  # type: ignore[arg-type]
            batch = [r for r in records if passes(self.source.filters, r)]
            if not batch:
                continue
            handed += len(batch)
            failed = self._invoke(batch, self.window(shard, batch))
            if failed is not None:
                self._retry_from(shard, failed, batch)
        return handed

    def window(self, shard: str, batch: list[dict[str, Any]]) -> dict[str, Any]:
        """What Lambda adds to a batch's event with a tumbling window: the shard and the window (the
        batch's first record's, aligned to the window's length), with an empty state."""
        length = self.source.tumbling_window
        if not length:
            return {}
        created = float(batch[0]["dynamodb"].get("ApproximateCreationDateTime") or 0)
        start = int(created) // length * length
        bounds = [datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%SZ") for t in (start, start + length)]
        return {
            "shardId": shard,
            "eventSourceARN": self._stream_arn(),
            "window": {"start": bounds[0], "end": bounds[1]},
            "state": {},
            "isFinalInvokeForWindow": False,
            "isWindowTerminatedEarly": False,
        }

    def _invoke(self, batch: list[dict[str, Any]], window: dict[str, Any] | None = None) -> str | None:
        try:
            result = self.consumer({"Records": batch, **(window or {})})
        except Exception:  # a raising function fails the whole batch, as in Lambda
            traceback.print_exc(file=sys.stderr)
            return str(batch[0]["dynamodb"]["SequenceNumber"])
        if not self.source.report_batch_item_failures:
            return None
        return failed_sequence(result, batch)

    def _retry_from(self, shard: str, sequence: str, batch: list[dict[str, Any]]) -> None:
        attempts = self.retries.get(sequence, 0) + 1
        self.retries[sequence] = attempts
        if 0 <= self.source.max_retries < attempts:
            # Given up: Lambda's on-failure record names the shard and the sequence numbers, then moves on.
            self.retries.pop(sequence, None)
            failed = [r for r in batch if int(r["dynamodb"]["SequenceNumber"]) >= int(sequence)]
            if self.dead_letter_url:
                info = {
                    "shardId": shard,
                    "startSequenceNumber": failed[0]["dynamodb"]["SequenceNumber"],
                    "endSequenceNumber": failed[-1]["dynamodb"]["SequenceNumber"],
                    "batchSize": len(failed),
                    "streamArn": self._stream_arn(),
                }
                body = {"requestContext": {"condition": "RetryAttemptsExhausted"}, "DDBStreamBatchInfo": info}
                self.sqs.send_message(QueueUrl=self.dead_letter_url, MessageBody=json.dumps(body))
            return
        self.iterators[shard] = self._iterator(shard, "AT_SEQUENCE_NUMBER", sequence)

    def drain(self, rounds: int = 100) -> int:
        """Poll until a round hands nothing over (tests, the benchmark); returns records handed over."""
        total = 0
        for _ in range(rounds):
            handed = self.poll_once()
            total += handed
            if not handed:
                break
        return total

    def run(self) -> None:
        while not self.stop_event.is_set():
            try:
                if not self.poll_once():
                    self.stop_event.wait(self.idle_seconds)
            except Exception:  # a poller must outlive a backend hiccup, as Lambda's does
                if self.stop_event.is_set():
                    return
                traceback.print_exc(file=sys.stderr)
                self.stop_event.wait(1)


def pollers(
    template: Template,
    physical: Mapping[str, str],
    stop: threading.Event,
    session: boto3.Session | None = None,
    consumer: Callable[[str, dict[str, Any]], Any] | None = None,
) -> list[StreamPoller]:
    """One (not started) poller per stream event source of the template."""
    found = []
    for source in stream_sources(template):

        def invoke(event: dict[str, Any], function: str = source.function) -> Any:
            if consumer is not None:
                return consumer(function, event)
            return runtime.invoke(template, function, event)

        dead_letter = physical.get(source.on_failure) if source.on_failure else None
        found.append(StreamPoller(source, physical[source.table], invoke, stop, session, dead_letter))
    return found
