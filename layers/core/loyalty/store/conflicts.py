"""Turns DynamoDB's condition failures into facts the services can act on, in one place."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from loyalty.store.client import Item, from_item


@dataclass(frozen=True)
class Cancelled:
    """Which items of a cancelled transaction failed their condition, with their old image if asked."""

    failed: dict[int, Item | None]

    def failed_at(self, index: int) -> bool:
        return index in self.failed

    def old(self, index: int) -> Item | None:
        return self.failed.get(index)


def cancellation(error: ClientError) -> Cancelled | None:
    """The failed conditions of a TransactionCanceledException, or ``None`` for any other error.

    A cancellation caused by anything but a condition (a conflict with another transaction,
    throttling) is not reported here: callers retry or surface it.
    """
    if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
        return None
    reasons: list[dict[str, Any]] = error.response.get("CancellationReasons") or []  # type: ignore[assignment]
    codes = [reason.get("Code") for reason in reasons]
    if not reasons or any(code not in (None, "None", "ConditionalCheckFailed") for code in codes):
        return None
    failed = {
        index: (from_item(reason["Item"]) if reason.get("Item") else None)
        for index, reason in enumerate(reasons)
        if reason.get("Code") == "ConditionalCheckFailed"
    }
    return Cancelled(failed) if failed else None


def is_condition_failure(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"
