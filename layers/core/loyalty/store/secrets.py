"""Secrets the platform makes for itself: created once, at random, by whichever function needs one first.

Why the table and not code, environment or a parameter store: the value never appears in source, in a
template, in an event or in a log, and every deployment (the local stack too) gets its own without a
setup step. The table is encrypted at rest, and anyone who can read it could change members directly
anyway, so keeping the key there grants nothing new. A conditional put settles the race between two
first callers: both end up with the one value that was stored.
"""

from __future__ import annotations

import secrets as random

from loyalty.store import keys
from loyalty.store.client import dynamodb, table_name, to_item

SECRET_BYTES = 32  # HMAC-SHA256 keys gain nothing beyond the hash's block of output

_known: dict[tuple[str, str], bytes] = {}  # (table name, secret name) -> value: read once per process


def cached(name: str) -> bytes:
    """``get_or_create``, read once per process and table: a secret never changes once it is made."""
    known = (table_name(), name)
    if known not in _known:
        _known[known] = get_or_create(name)
    return _known[known]


def forget() -> None:
    """Forget what was read (a test that makes its table anew)."""
    _known.clear()


def get_or_create(name: str) -> bytes:
    key = to_item(keys.secret(name))
    answer = dynamodb().get_item(TableName=table_name(), Key=key, ConsistentRead=True)
    if "Item" in answer:
        return bytes(answer["Item"]["value"]["B"])
    value = random.token_bytes(SECRET_BYTES)
    try:
        dynamodb().put_item(
            TableName=table_name(),
            Item={**key, "value": {"B": value}},
            ConditionExpression="attribute_not_exists(PK)",
        )
    except dynamodb().exceptions.ConditionalCheckFailedException:
        answer = dynamodb().get_item(TableName=table_name(), Key=key, ConsistentRead=True)
        return bytes(answer["Item"]["value"]["B"])
    return value
