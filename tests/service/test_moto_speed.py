"""local/moto_transactions.py changes how moto keeps a table to put back when a transaction is cancelled: each
scenario here runs on moto as it is and on moto as the tests run it, and both must leave the same items
and the same stream records, committed or cancelled, on a table with a sort key and on one without."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import moto.dynamodb.models
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.dynamodb.models import DynamoDBBackend

from local import moto_transactions

Scenario = Callable[[Any], None]


@contextlib.contextmanager
def moto_as_released() -> Iterator[None]:
    """moto's own transact_write_items and deep copies, for the length of the block."""
    import copy

    patched, shim = DynamoDBBackend.transact_write_items, moto.dynamodb.models.copy
    DynamoDBBackend.transact_write_items = patched.__wrapped__  # type: ignore[attr-defined,method-assign]
    moto.dynamodb.models.copy = copy  # type: ignore[assignment]
    try:
        yield
    finally:
        DynamoDBBackend.transact_write_items = patched  # type: ignore[method-assign]
        moto.dynamodb.models.copy = shim


def _key(table: str, pk: str, sk: str | None) -> dict[str, Any]:
    return {"pk": {"S": pk}} | ({"sk": {"S": sk}} if table == "ranged" else {})


def _seed(client: Any) -> None:
    for table, sk in (("ranged", "a"), ("plain", None)):
        for pk in ("kept", "changed", "removed"):
            client.put_item(TableName=table, Item=_key(table, pk, sk) | {"n": {"N": "1"}})


def _write(client: Any, table: str, *, fail: str | None = None) -> None:
    """A put, an update, a delete and a condition check on ``table``; ``fail`` makes one of them fail."""
    sk = "a" if table == "ranged" else None
    items: list[dict[str, Any]] = [
        {"Put": {"TableName": table, "Item": _key(table, "new", sk) | {"n": {"N": "5"}}}},
        {
            "Update": {
                "TableName": table,
                "Key": _key(table, "changed", sk),
                "UpdateExpression": "ADD n :one SET tag = :tag",
                "ExpressionAttributeValues": {":one": {"N": "1"}, ":tag": {"S": "x"}},
            }
        },
        {"Delete": {"TableName": table, "Key": _key(table, "removed", sk)}},
        {
            "ConditionCheck": {
                "TableName": table,
                "Key": _key(table, "kept", sk),
                "ConditionExpression": "n = :n",
                "ExpressionAttributeValues": {":n": {"N": "2" if fail == "condition" else "1"}},
            }
        },
    ]
    if fail == "malformed":  # no sort key: moto cancels after the first writes, as on a bad request
        items.append({"Delete": {"TableName": table, "Key": {"pk": {"S": "kept"}}}})
    with contextlib.suppress(ClientError):
        client.transact_write_items(TransactItems=items)


def _state(client: Any) -> dict[str, Any]:
    """Every item of both tables, and every record of the ranged table's stream."""
    found: dict[str, Any] = {}
    for table in ("ranged", "plain"):
        found[table] = sorted(map(repr, client.scan(TableName=table)["Items"]))
    # moto serves streams at their regional host (as local/streams.py reads them)
    streams = boto3.client("dynamodbstreams", endpoint_url="https://streams.dynamodb.us-east-1.amazonaws.com")
    arn = client.describe_table(TableName="ranged")["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    records = streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
    found["stream"] = [
        (r["eventName"], repr(r["dynamodb"].get("Keys")), repr(r["dynamodb"].get("NewImage"))) for r in records
    ]
    return found


def _run(scenario: Scenario) -> dict[str, Any]:
    with mock_aws():
        client = boto3.client("dynamodb")
        key = [{"AttributeName": "pk", "KeyType": "HASH"}]
        attributes = [{"AttributeName": "pk", "AttributeType": "S"}]
        client.create_table(
            TableName="ranged",
            KeySchema=[*key, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[*attributes, {"AttributeName": "sk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )
        client.create_table(
            TableName="plain", KeySchema=key, AttributeDefinitions=attributes, BillingMode="PAY_PER_REQUEST"
        )
        _seed(client)
        scenario(client)
        return _state(client)


SCENARIOS: dict[str, Scenario] = {
    "committed": lambda client: [_write(client, table) for table in ("ranged", "plain")],
    "cancelled by a condition": lambda client: [_write(client, t, fail="condition") for t in ("ranged", "plain")],
    "cancelled as malformed": lambda client: _write(client, "ranged", fail="malformed"),
    "cancelled, then committed": lambda client: [
        _write(client, "ranged", fail="condition"),
        _write(client, "ranged"),
        _write(client, "plain", fail="condition"),
    ],
}


@pytest.mark.parametrize("name", SCENARIOS)
def test_a_transaction_leaves_what_moto_itself_leaves(name: str) -> None:
    moto_transactions.install()
    scenario = SCENARIOS[name]
    ours = _run(scenario)
    with moto_as_released():
        theirs = _run(scenario)
    assert ours == theirs
    untouched = _run(lambda client: None)
    if name.startswith("cancelled") and "then" not in name:
        assert ours == untouched
    else:
        assert ours["ranged"] != untouched["ranged"] and ours["stream"] != untouched["stream"]


@pytest.mark.parametrize("fail", ["condition", "malformed"])
def test_a_stream_reader_hears_what_is_written_after_a_cancelled_transaction(fail: str) -> None:
    """The local stack's stream pollers hold one iterator per shard for the stack's life (as Lambda's
    pollers do): the records written after a cancelled transaction must reach it."""
    moto_transactions.install()
    heard: list[str] = []

    def scenario(client: Any) -> None:
        streams = boto3.client("dynamodbstreams", endpoint_url="https://streams.dynamodb.us-east-1.amazonaws.com")
        arn = client.describe_table(TableName="ranged")["Table"]["LatestStreamArn"]
        shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="LATEST")
        answer = streams.get_records(ShardIterator=iterator["ShardIterator"])
        _write(client, "ranged", fail=fail)
        client.put_item(TableName="ranged", Item=_key("ranged", "after", "a"))
        answer = streams.get_records(ShardIterator=answer["NextShardIterator"])
        heard.extend(r["dynamodb"]["Keys"]["pk"]["S"] for r in answer["Records"])

    _run(scenario)
    assert heard == ["after"]
