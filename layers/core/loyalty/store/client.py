"""The DynamoDB client and the (de)serialisation of items. Created lazily, once per process."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any, NamedTuple

import boto3
from boto3.dynamodb.types import Binary, TypeDeserializer, TypeSerializer
from botocore.config import Config
from botocore.exceptions import ClientError

from loyalty.settings import settings

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()

Item = dict[str, Any]


@cache
def dynamodb() -> DynamoDBClient:
    """One client per process; boto3 honours AWS_ENDPOINT_URL(_DYNAMODB) for local backends."""
    config = Config(
        retries={"mode": "standard", "max_attempts": 3},
        connect_timeout=2,
        read_timeout=settings().dynamodb_read_timeout_seconds,
    )
    return boto3.client("dynamodb", config=config)


def condition_failed(error: ClientError) -> bool:
    """The request's condition was false (its change was refused), rather than a failure of the call."""
    return error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


class Write(NamedTuple):
    """What a conditional write did: ``written``, or refused by its condition, with the item as it was
    when the request asked for it (``ReturnValuesOnConditionCheckFailure``) and there was one."""

    written: bool
    old: Item | None = None


def write_if(write: Callable[..., object], **request: Any) -> Write:
    """One conditional write on the table (``dynamodb().put_item``, ``update_item`` or ``delete_item``
    with ``request``); a refusal by its condition is an answer, any other failure is raised."""
    try:
        write(TableName=table_name(), **request)
    except ClientError as error:
        if not condition_failed(error):
            raise
        old: dict[str, Any] | None = error.response.get("Item")  # type: ignore[assignment]
        return Write(False, from_item(old) if old else None)
    return Write(True)


def table_name() -> str:
    """Read at call time, not import time, so tests and the local stack can point it elsewhere."""
    return settings().table_name


def reset() -> None:
    """Forget the cached client (tests start a fresh moto backend per test)."""
    dynamodb.cache_clear()


def to_item(values: Item) -> dict[str, AttributeValueTypeDef]:
    """Python values to DynamoDB attribute values; floats are refused, use int or Decimal."""
    return {k: _serializer.serialize(v) for k, v in values.items() if v is not None}


def to_value(value: Any) -> AttributeValueTypeDef:
    return _serializer.serialize(value)


def from_item(item: dict[str, Any]) -> Item:
    """DynamoDB attribute values to Python; integral numbers come back as ``int``."""
    return {k: _plain(_deserializer.deserialize(v)) for k, v in item.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, Binary):
        return value.__bytes__()  # the stubs do not know Binary converts to bytes
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else value
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
