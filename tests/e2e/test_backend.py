"""The local backends: DynamoDB Local (the real engine, Java) and moto's server."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from local.backend import DynamoDBLocal, MotoServer, local_aws_env
from local.resources import create_table
from local.template import ROOT, load


def _client(endpoint: str, service: str) -> Any:
    return boto3.client(  # type: ignore[call-overload]
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="other",
        aws_secret_access_key="other",  # any key works: DynamoDB Local runs with -sharedDb
    )


def test_dynamodb_local_starts_creates_the_template_table_and_stops() -> None:
    engine = DynamoDBLocal()
    with engine:
        client = _client(engine.endpoint, "dynamodb")
        name = create_table(client, load(ROOT / "template.yaml"))
        table = client.describe_table(TableName=name)["Table"]
        assert {index["IndexName"] for index in table["GlobalSecondaryIndexes"]} == {f"GSI{n}" for n in range(1, 7)}
        assert create_table(client, load(ROOT / "template.yaml")) == name
        process = engine._process
        assert process is not None and process.poll() is None
    assert process.poll() is not None  # terminated, not left behind
    assert engine._process is None
    engine.stop()  # stopping twice is harmless


def test_moto_server_serves_and_stops() -> None:
    with MotoServer() as server:
        sqs = _client(server.endpoint, "sqs")
        url = sqs.create_queue(QueueName="smoke")["QueueUrl"]
        assert url.startswith(server.endpoint)
    with pytest.raises(Exception, match="Could not connect"):
        sqs.list_queues()


def test_local_aws_env() -> None:
    env = local_aws_env("http://127.0.0.1:1")
    assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:1"
    assert env["AWS_ACCESS_KEY_ID"] == "testing"
    assert env["AWS_SECRET_ACCESS_KEY"] == "testing"
    assert env["AWS_DEFAULT_REGION"] == "us-east-1"
    assert "AWS_ENDPOINT_URL_DYNAMODB" not in env
    assert (
        local_aws_env("http://127.0.0.1:1", "http://127.0.0.1:2")["AWS_ENDPOINT_URL_DYNAMODB"] == "http://127.0.0.1:2"
    )
