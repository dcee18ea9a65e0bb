"""Resources built from the template itself, on moto (in-process)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from local.resources import create_resources, create_table
from local.template import ROOT, Template, load
from tests.fakes import write_project


@pytest.fixture
def real() -> Template:
    return load(ROOT / "template.yaml")


@pytest.fixture
def aws_mock() -> Iterator[None]:
    with mock_aws():
        yield


def _key_schema(schema: Any) -> list[tuple[str, str]]:
    return sorted((item["AttributeName"], item["KeyType"]) for item in schema)


def test_table_on_moto_has_the_templates_keys_and_indexes(real: Template, aws_mock: None) -> None:
    client = boto3.client("dynamodb")
    name = create_table(client, real)
    table = client.describe_table(TableName=name)["Table"]
    props = real.raw["Resources"]["LoyaltyTable"]["Properties"]
    assert name == "LoyaltyTable"
    assert _key_schema(table["KeySchema"]) == _key_schema(props["KeySchema"])
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    indexes = {index["IndexName"]: index for index in table["GlobalSecondaryIndexes"]}
    expected = {index["IndexName"]: index for index in props["GlobalSecondaryIndexes"]}
    assert set(indexes) == set(expected)
    for index_name, index in expected.items():
        assert _key_schema(indexes[index_name]["KeySchema"]) == _key_schema(index["KeySchema"])
        assert indexes[index_name]["Projection"]["ProjectionType"] == index["Projection"]["ProjectionType"]
    ttl = client.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "ttl"}


def test_create_resources_builds_queues_with_redrive_and_the_ses_identity(real: Template, aws_mock: None) -> None:
    physical = create_resources(real)
    assert physical["LoyaltyTable"] == "LoyaltyTable"
    sqs = boto3.client("sqs")
    attributes = sqs.get_queue_attributes(QueueUrl=physical["AccrualQueue"], AttributeNames=["All"])["Attributes"]
    redrive = json.loads(attributes["RedrivePolicy"])
    dlq_arn = sqs.get_queue_attributes(QueueUrl=physical["AccrualDeadLetterQueue"], AttributeNames=["QueueArn"])
    assert redrive == {"deadLetterTargetArn": dlq_arn["Attributes"]["QueueArn"], "maxReceiveCount": 3}
    assert attributes["VisibilityTimeout"] == "180"
    identities = boto3.client("sesv2").list_email_identities()["EmailIdentities"]
    assert [identity["IdentityName"] for identity in identities] == [physical["SenderIdentity"]]
    # Running again against the same backend changes nothing and does not fail.
    assert create_resources(real) == physical


def test_names_override_physical_names(tmp_path: Path, aws_mock: None) -> None:
    template = write_project(tmp_path)
    physical = create_resources(template, boto3.Session(), names={"Table": "t-123", "Queue": "q-1"})
    assert physical["Table"] == "t-123"
    assert physical["Queue"].endswith("/q-1")
    assert boto3.client("dynamodb").list_tables()["TableNames"] == ["t-123"]


def test_create_table_needs_a_logical_id_when_there_are_several(tmp_path: Path, aws_mock: None) -> None:
    template = write_project(tmp_path)
    template.raw["Resources"]["Other"] = template.raw["Resources"]["Table"]
    with pytest.raises(ValueError, match="2 tables"):
        create_table(boto3.client("dynamodb"), template)
    assert create_table(boto3.client("dynamodb"), template, "Other") == "Other"
