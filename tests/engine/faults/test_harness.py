"""The fault harness does what harness.py says, on both backends, and boto3 reacts as in production."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import pytest
from botocore.exceptions import ClientError, ReadTimeoutError

from loyalty.store.client import dynamodb, table_name, to_item
from tests.service.faults.harness import Fault, Faults

KEY = {"PK": "PROBE", "SK": "PROBE"}


def _exists() -> bool:
    return "Item" in dynamodb().get_item(TableName=table_name(), Key=to_item(KEY), ConsistentRead=True)


def _put() -> Any:
    return dynamodb().put_item(TableName=table_name(), Item=to_item({**KEY, "n": 1}))


def _create_once() -> Any:
    """A transaction that can succeed only once (what every idempotent write of ours looks like)."""
    put = {
        "TableName": table_name(),
        "Item": to_item({**KEY, "n": 1}),
        "ConditionExpression": "attribute_not_exists(PK)",
    }
    return dynamodb().transact_write_items(TransactItems=[{"Put": put}])


def test_boto3_makes_four_attempts_and_absorbs_three_throttles(faults: Faults) -> None:
    faults.add("PutItem", Fault.THROTTLE, times=3)
    assert _put()["ResponseMetadata"]["RetryAttempts"] == 3
    assert faults.count("PutItem") == 4 and _exists()


def test_a_fourth_throttle_reaches_the_caller_and_nothing_is_written(faults: Faults) -> None:
    faults.add("PutItem", Fault.THROTTLE, times=4)
    with pytest.raises(ClientError) as raised:
        _put()
    assert raised.value.response["Error"]["Code"] == "ThrottlingException"
    assert not _exists()


def test_a_lost_response_means_the_write_landed(faults: Faults) -> None:
    faults.add("PutItem", Fault.LOST_RESPONSE, times=4)
    with pytest.raises(ReadTimeoutError):
        _put()
    assert _exists()


def test_a_lost_request_means_nothing_landed(faults: Faults) -> None:
    faults.add("PutItem", Fault.LOST_REQUEST, times=4)
    with pytest.raises(ReadTimeoutError):
        _put()
    assert not _exists()


def test_a_conflict_cancels_the_transaction_with_one_reason_per_item(faults: Faults) -> None:
    faults.add("TransactWriteItems", Fault.CONFLICT)
    with pytest.raises(ClientError) as raised:
        _create_once()
    reasons = raised.value.response["CancellationReasons"]  # type: ignore[typeddict-item]
    assert [reason["Code"] for reason in reasons] == ["TransactionConflict"]
    assert faults.count("TransactWriteItems") == 1, "boto3 does not retry a cancelled transaction"
    assert not _exists()


def test_in_progress_is_retried_by_boto3(faults: Faults) -> None:
    faults.add("TransactWriteItems", Fault.IN_PROGRESS, times=2)
    _create_once()
    assert faults.count("TransactWriteItems") == 3 and _exists()


def test_botocore_sends_a_client_request_token_and_resends_it_on_retry(faults: Faults) -> None:
    """Our code passes no ClientRequestToken; botocore fills one in (an idempotency token in the API
    model) once per call, so its own retries resend the same one."""
    bodies: list[dict[str, Any]] = []

    def record(request: Any, **_: Any) -> None:
        bodies.append(json.loads(request.body))

    dynamodb().meta.events.register("before-send.dynamodb.TransactWriteItems", record)
    try:
        faults.add("TransactWriteItems", Fault.LOST_RESPONSE)
        with contextlib.suppress(ClientError):  # moto: see the next test
            _create_once()
    finally:
        dynamodb().meta.events.unregister("before-send.dynamodb.TransactWriteItems", record)
    tokens = [body.get("ClientRequestToken") for body in bodies]
    assert len(tokens) == 2 and tokens[0] and tokens[0] == tokens[1], tokens


@pytest.mark.engine  # DynamoDB Local honours the token, moto does not: both are shown
def test_a_resent_transaction_whose_first_attempt_landed(aws: str, faults: Faults) -> None:
    """DynamoDB (and DynamoDB Local) honour the token: the resent transaction answers success. moto
    ignores it, so there the resend fails its condition, as a resend more than 10 minutes later would."""
    faults.add("TransactWriteItems", Fault.LOST_RESPONSE)
    if aws == "dynamodb-local":
        assert _create_once()["ResponseMetadata"]["RetryAttempts"] == 1
    else:
        with pytest.raises(ClientError) as raised:
            _create_once()
        reasons = raised.value.response["CancellationReasons"]  # type: ignore[typeddict-item]
        assert [reason["Code"] for reason in reasons] == ["ConditionalCheckFailed"]
    assert _exists()
