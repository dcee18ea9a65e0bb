"""The table's DynamoDB stream, read by the month-end close (loyalty.services.books.settled): its shards
and, for one shard, the records after a sequence number, in the shape Lambda hands them to a function.

The close reads a few records per shard once, besides the publisher's event source mapping: at most two
readers per stream shard, as DynamoDB Streams asks.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import boto3

from loyalty.adapters import aws
from loyalty.settings import settings

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

# The project pins no type stubs for DynamoDB Streams (four calls here): its client is typed Any.
type DynamoDBStreamsClient = Any

PAGE = 1000  # records per GetRecords of the probe (its most; every item's writes are on the stream)
PAGES = 10  # the most a probe reads of one shard before it says "not known yet"


def _streams() -> DynamoDBStreamsClient:
    # botocore's endpoint rules would name an ARN-derived host that neither DynamoDB Local nor moto
    # answers; the regional endpoint is DynamoDB Streams' documented one.
    session = boto3.session.Session()
    endpoint = os.environ.get("AWS_ENDPOINT_URL_DYNAMODB") or os.environ.get("AWS_ENDPOINT_URL")
    region = session.region_name or "us-east-1"
    url = endpoint or f"https://streams.dynamodb.{region}.amazonaws.com"
    return session.client("dynamodbstreams", endpoint_url=url, config=aws.config(attempts=3))


_client: aws.Client[DynamoDBStreamsClient] = aws.Client(_streams)
_tables: aws.Client[DynamoDBClient] = aws.Client(lambda: boto3.client("dynamodb", config=aws.config(attempts=3)))
_arns: dict[str, str] = {}


def reset() -> None:
    _client.reset()
    _tables.reset()
    _arns.clear()


def stream_arn() -> str:
    """The table's current stream (DescribeTable once per process and table)."""
    name = settings().table_name
    if name not in _arns:
        _arns[name] = str(_tables().describe_table(TableName=name)["Table"]["LatestStreamArn"])
    return _arns[name]


@dataclass(frozen=True)
class Shard:
    id: str
    closed: bool  # it takes no more records (it split, or the stream was disabled)


def shards() -> list[Shard]:
    """Every shard the stream still holds records of (DescribeStream, page by page)."""
    found: list[Shard] = []
    request: dict[str, Any] = {"StreamArn": stream_arn()}
    while True:
        description = _client().describe_stream(**request)["StreamDescription"]
        for shard in description.get("Shards", []):
            ending = (shard.get("SequenceNumberRange") or {}).get("EndingSequenceNumber")
            found.append(Shard(str(shard["ShardId"]), ending is not None))
        last = description.get("LastEvaluatedShardId")
        if not last:
            return found
        request["ExclusiveStartShardId"] = last


class Reading:
    """The records of one shard after ``sequence`` (from the oldest kept when None), as an iterator;
    ``complete`` once it reached the shard's end or its newest record. At most ``PAGES`` pages."""

    def __init__(self, shard: str, sequence: str | None) -> None:
        self.shard = shard
        self.sequence = sequence
        self.complete = False

    def __iter__(self) -> Iterator[dict[str, Any]]:
        request: dict[str, Any] = {"StreamArn": stream_arn(), "ShardId": self.shard}
        if self.sequence is None:
            request["ShardIteratorType"] = "TRIM_HORIZON"
        else:
            request.update(ShardIteratorType="AFTER_SEQUENCE_NUMBER", SequenceNumber=self.sequence)
        iterator: str | None = _client().get_shard_iterator(**request)["ShardIterator"]
        for _ in range(PAGES):
            if iterator is None:
                self.complete = True
                return
            answer = _client().get_records(ShardIterator=iterator, Limit=PAGE)
            records = answer.get("Records", [])
            for record in records:
                yield lambda_shaped(dict(record))
            iterator = answer.get("NextShardIterator")
            if not records:
                self.complete = True  # nothing newer yet: the shard is read up to now
                return


def lambda_shaped(record: dict[str, Any]) -> dict[str, Any]:
    """A GetRecords record as Lambda hands it (``ApproximateCreationDateTime`` in epoch seconds)."""
    change = dict(record.get("dynamodb") or {})
    created = change.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        change["ApproximateCreationDateTime"] = created.timestamp()
    return {**record, "dynamodb": change}
