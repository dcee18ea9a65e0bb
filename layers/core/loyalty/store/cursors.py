"""The opaque cursors of the lists a Query pages (a webhook's deliveries, a connection's platform events):
the last key read, as URL-safe base64 of the JSON of its string attributes, taken back only where it
fits the list it was given out for, so a tampered cursor or another list's reads nothing it should not.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from typing import Any

from loyalty.store.client import Item, dynamodb, from_item

NOT_OURS = "The cursor is not one this API gave out for this list."


def page(
    request: Mapping[str, Any], cursor: str | None, names: frozenset[str], fits: Callable[[dict[str, str]], bool]
) -> tuple[list[Item], str | None]:
    """One page of a Query (``request``, with its ``Limit``) from where ``cursor`` says, and the cursor
    of the next page (None: nothing more). ValueError (``NOT_OURS``) for a cursor whose key does not have
    exactly ``names`` or does not fit this list."""
    going: dict[str, Any] = {**request, **({"ExclusiveStartKey": decode(cursor, names, fits)} if cursor else {})}
    answer = dynamodb().query(**going)
    return [from_item(raw) for raw in answer.get("Items", [])], encode(answer.get("LastEvaluatedKey"))


def encode(last_key: Mapping[str, Any] | None) -> str | None:
    if not last_key:
        return None
    plain = {name: value["S"] for name, value in last_key.items()}
    return base64.urlsafe_b64encode(json.dumps(plain, separators=(",", ":")).encode()).decode()


def decode(cursor: str, names: frozenset[str], fits: Callable[[dict[str, str]], bool]) -> dict[str, Any]:
    try:
        plain = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, UnicodeDecodeError) as error:
        raise ValueError(NOT_OURS) from error
    if (
        not isinstance(plain, dict)
        or set(plain) != names
        or not all(isinstance(value, str) for value in plain.values())
        or not fits(plain)
    ):
        raise ValueError(NOT_OURS)
    return {name: {"S": value} for name, value in plain.items()}
