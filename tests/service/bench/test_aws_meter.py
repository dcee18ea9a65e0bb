"""bench.aws_meter on moto: requests sent through the layer's client are priced by AWS's rules from the
items they touched, and the meter's own reads are not counted as the request's."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from bench.aws_meter import AwsMeter, evaluated_request, schema_of
from bench.aws_units import Index, Schema
from local.template import Template
from loyalty.store import client as store_client

TABLE = "meter-test"
SCHEMA = Schema(
    keys=("PK", "SK"),
    indexes=(Index("GSI1", ("GSI1PK", "GSI1SK"), "ALL"), Index("GSI2", ("GSI2PK",), "KEYS_ONLY")),
)


@pytest.fixture
def ddb(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The layer's client, on moto, with a table of SCHEMA's shape."""
    monkeypatch.delenv("AWS_ENDPOINT_URL_DYNAMODB", raising=False)
    with mock_aws():
        store_client.reset()
        client = store_client.dynamodb()
        strings = ["PK", "SK", "GSI1PK", "GSI1SK", "GSI2PK"]
        client.create_table(
            TableName=TABLE,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": name, "AttributeType": "S"} for name in strings],
            KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": "GSI1",
                    "KeySchema": [
                        {"AttributeName": "GSI1PK", "KeyType": "HASH"},
                        {"AttributeName": "GSI1SK", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                },
                {
                    "IndexName": "GSI2",
                    "KeySchema": [{"AttributeName": "GSI2PK", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "KEYS_ONLY"},
                },
            ],
        )
        yield client
        store_client.reset()


def item(pk: str, size: int, **extra: str) -> dict[str, Any]:
    """An item of exactly ``size`` bytes by AWS's rules (string attributes only)."""
    fields = {"PK": {"S": pk}, "SK": {"S": "S"}, **{name: {"S": value} for name, value in extra.items()}}
    used = sum(len(name) + len(value["S"]) for name, value in fields.items()) + len("d")
    return {**fields, "d": {"S": "x" * (size - used)}}


def test_a_put_of_a_known_item(ddb: Any) -> None:
    """1.5 KB, in both indexes: 2 table units, 2 for GSI1 (ALL: the whole item), 1 for GSI2 (keys only)."""
    with AwsMeter(SCHEMA) as meter:
        ddb.put_item(TableName=TABLE, Item=item("a", 1536, GSI1PK="g", GSI1SK="1", GSI2PK="due"))
    assert (meter.aws_write.table, meter.aws_write.indexes, meter.aws_read) == (2, {"GSI1": 2, "GSI2": 1}, 0)
    assert meter.operations == ["PutItem"]  # the meter's reads before and after are not the request's
    (call,) = meter.calls
    assert (call.items[0].before_bytes, call.items[0].after_bytes) == (0, 1536)


def test_an_update_that_moves_an_index_key(ddb: Any) -> None:
    ddb.put_item(TableName=TABLE, Item=item("a", 1536, GSI1PK="g", GSI1SK="1", GSI2PK="due"))
    with AwsMeter(SCHEMA) as meter:
        ddb.update_item(
            TableName=TABLE,
            Key={"PK": {"S": "a"}, "SK": {"S": "S"}},
            UpdateExpression="SET GSI1SK = :v",
            ExpressionAttributeValues={":v": {"S": "2"}},
        )
    # Table: the larger of before and after (1.5 KB): 2. GSI1: delete and put of 1.5 KB: 2 + 2. GSI2:
    # keys only, its keys unchanged: nothing.
    assert (meter.aws_write.table, meter.aws_write.indexes) == (2, {"GSI1": 4})


def test_a_delete_leaves_every_index(ddb: Any) -> None:
    ddb.put_item(TableName=TABLE, Item=item("a", 700, GSI1PK="g", GSI1SK="1", GSI2PK="due"))
    with AwsMeter(SCHEMA) as meter:
        ddb.delete_item(TableName=TABLE, Key={"PK": {"S": "a"}, "SK": {"S": "S"}})
    assert (meter.aws_write.table, meter.aws_write.indexes) == (1, {"GSI1": 1, "GSI2": 1})


def test_a_transaction_doubles_table_writes_and_bills_its_condition_check(ddb: Any) -> None:
    ddb.put_item(TableName=TABLE, Item=item("checked", 1536))
    with AwsMeter(SCHEMA) as meter:
        ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": TABLE, "Item": item("new", 500, GSI1PK="g", GSI1SK="1")}},
                {
                    "ConditionCheck": {
                        "TableName": TABLE,
                        "Key": {"PK": {"S": "checked"}, "SK": {"S": "S"}},
                        "ConditionExpression": "attribute_exists(PK)",
                    }
                },
            ]
        )
    # Put: 2 x 1; check of a 1.5 KB item: 2 x 2; the index write of the put, once: 1.
    assert (meter.aws_write.table, meter.aws_write.indexes) == (6, {"GSI1": 1})
    assert meter.summary()["max_transaction_items"] == 2


def test_a_batch_write_bills_each_item(ddb: Any) -> None:
    with AwsMeter(SCHEMA) as meter:
        ddb.batch_write_item(
            RequestItems={TABLE: [{"PutRequest": {"Item": item("a", 500)}}, {"PutRequest": {"Item": item("b", 3584)}}]}
        )
    assert meter.aws_write.table == 5  # 1 KB + 4 KB, not 4 KB


def test_a_failed_condition_is_billed_but_changes_no_index(ddb: Any) -> None:
    ddb.put_item(TableName=TABLE, Item=item("a", 1536, GSI1PK="g", GSI1SK="1"))
    with AwsMeter(SCHEMA) as meter, pytest.raises(ClientError):
        ddb.put_item(
            TableName=TABLE,
            Item=item("a", 300, GSI1PK="other", GSI1SK="1"),
            ConditionExpression="attribute_not_exists(PK)",
        )
    assert (meter.aws_write.table, meter.aws_write.indexes) == (2, {})
    assert meter.calls[0].failed


def test_reads_are_sized_by_what_they_evaluated(ddb: Any) -> None:
    for index in range(3):
        ddb.put_item(TableName=TABLE, Item=item(f"p{index}", 3000, GSI1PK="g", GSI1SK=str(index), GSI2PK="due"))
    with AwsMeter(SCHEMA) as meter:
        # A projection does not shrink the item: 3,000 bytes, strongly consistent: 1.
        key = {"PK": {"S": "p0"}, "SK": {"S": "S"}}
        ddb.get_item(TableName=TABLE, Key=key, ProjectionExpression="PK", ConsistentRead=True)
        # A filter that drops every item: still 3 x 3,000 bytes read, eventually consistent: 1.5.
        ddb.query(
            TableName=TABLE,
            IndexName="GSI1",
            KeyConditionExpression="GSI1PK = :g",
            FilterExpression="#d = :nothing",
            ExpressionAttributeNames={"#d": "d"},
            ExpressionAttributeValues={":g": {"S": "g"}, ":nothing": {"S": "?"}},
        )
        # Keys only: three small index items: the least a Query costs, 0.5.
        ddb.query(
            TableName=TABLE,
            IndexName="GSI2",
            KeyConditionExpression="GSI2PK = :d",
            ExpressionAttributeValues={":d": {"S": "due"}},
        )
        # Two found, one absent, eventually consistent: 0.5 each.
        ddb.batch_get_item(
            RequestItems={TABLE: {"Keys": [{"PK": {"S": name}, "SK": {"S": "S"}} for name in ("p1", "p2", "none")]}}
        )
    assert [call.read for call in meter.calls] == [1, 1.5, 0.5, 1.5]
    assert meter.aws_write.total == 0
    assert meter.operations == ["GetItem", "Query", "Query", "BatchGetItem"]


def test_the_replayed_read_keeps_only_what_its_key_condition_uses() -> None:
    params = {
        "TableName": "t",
        "KeyConditionExpression": "#pk = :pk",
        "FilterExpression": "#x > :x",
        "ProjectionExpression": "#x",
        "ExpressionAttributeNames": {"#pk": "PK", "#x": "x"},
        "ExpressionAttributeValues": {":pk": {"S": "a"}, ":x": {"N": "1"}},
        "Limit": 10,
        "ReturnConsumedCapacity": "INDEXES",
    }
    assert evaluated_request(params) == {
        "TableName": "t",
        "KeyConditionExpression": "#pk = :pk",
        "ExpressionAttributeNames": {"#pk": "PK"},
        "ExpressionAttributeValues": {":pk": {"S": "a"}},
        "Limit": 10,
    }


def test_the_schema_is_the_templates(template: Template) -> None:
    table = next(iter(template.resources("AWS::DynamoDB::Table").values()))
    declared = [index["IndexName"] for index in table["Properties"].get("GlobalSecondaryIndexes", [])]
    assert [index.name for index in schema_of(template).indexes] == declared


def test_the_meter_client_is_not_the_layers(ddb: Any) -> None:
    """Reads through another client are not counted: the meter's own reads rely on it."""
    with AwsMeter(SCHEMA) as meter:
        boto3.client("dynamodb").get_item(TableName=TABLE, Key={"PK": {"S": "x"}, "SK": {"S": "S"}})
    assert meter.operations == []


def test_a_request_that_never_got_an_answer_bills_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    from botocore.exceptions import EndpointConnectionError

    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:9")  # nothing listens there
    store_client.reset()
    try:
        with AwsMeter(SCHEMA, side_client=object()) as meter, pytest.raises(EndpointConnectionError):
            store_client.dynamodb().get_item(TableName=TABLE, Key={"PK": {"S": "a"}, "SK": {"S": "S"}})
        assert (meter.calls, meter._pending) == ([], [])
    finally:
        store_client.reset()
