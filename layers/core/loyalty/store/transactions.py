"""Run a TransactWriteItems and say what happened, so services can map each failed condition to
the domain answer (a replay, a conflict to retry, or a rule the request broke)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from loyalty.domain.errors import Contended
from loyalty.store.client import Item, dynamodb, from_item

__all__ = ["Contended", "Outcome", "run"]

RETRYABLE = {"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded", "TransactionConflictException"}


@dataclass(frozen=True)
class Outcome:
    written: bool
    failed: dict[int, Item | None] = field(default_factory=dict)  # index -> old item (when asked for)
    contended: bool = False  # another transaction held an item: read again and retry

    def failed_at(self, index: int) -> bool:
        return index in self.failed


def run(items: list[dict[str, Any]]) -> Outcome:
    try:
        dynamodb().transact_write_items(TransactItems=items)  # type: ignore[arg-type]
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code")
        if code == "TransactionConflictException":
            return Outcome(written=False, contended=True)
        if code != "TransactionCanceledException":
            raise
        reasons: list[dict[str, Any]] = error.response.get("CancellationReasons") or []  # type: ignore[assignment]
        failed = {
            index: (from_item(reason["Item"]) if reason.get("Item") else None)
            for index, reason in enumerate(reasons)
            if reason.get("Code") == "ConditionalCheckFailed"
        }
        contended = any(reason.get("Code") in RETRYABLE for reason in reasons)
        if not failed and not contended:
            raise
        return Outcome(written=False, failed=failed, contended=contended)
    return Outcome(written=True)
