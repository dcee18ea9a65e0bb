"""Run a TransactWriteItems whose items carry their role, and say what happened by role, not by position.

Each item names what a failed condition on it means: an ``entry`` (the idempotency-keyed ledger entry)
that already exists is a replay; an item with a ``refusal`` (stock, a per-member limit, a voucher's
status) is a rule the request broke; any other failed condition (the member's version, a lot, an
order's version) means something changed since the read, and the caller reads again and retries.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from loyalty.store.client import Item, dynamodb, from_item

# Cancellation reasons that a retry can fix: another transaction held an item, or throughput ran out.
RETRYABLE = frozenset(
    {"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded", "TransactionConflictException"}
)


@dataclass(frozen=True)
class TxItem:
    """One element of a transaction. ``explain`` turns the item as it was (ALL_OLD, None when absent)
    into the refusal a failed condition stands for, or None when it stands for none (our own earlier
    write, say); without it a failure means "read again"."""

    role: str
    request: dict[str, Any]
    explain: Callable[[Item | None], str | None] | None = None


@dataclass(frozen=True)
class TxResult:
    written: bool
    failed: dict[str, list[Item | None]] = field(default_factory=dict)  # role -> old items (if returned)
    refusals: tuple[str, ...] = ()
    contended: bool = False

    def failed_role(self, role: str) -> bool:
        return role in self.failed


def run(items: Sequence[TxItem]) -> TxResult:
    if not items:
        return TxResult(written=True)
    try:
        dynamodb().transact_write_items(TransactItems=[item.request for item in items])  # type: ignore[misc]
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code")
        if code == "TransactionConflictException":
            return TxResult(written=False, contended=True)
        if code != "TransactionCanceledException":
            raise
        reasons: list[dict[str, Any]] = error.response.get("CancellationReasons") or []  # type: ignore[assignment]
        failed: dict[str, list[Item | None]] = {}
        refusals: list[str] = []
        for item, reason in zip(items, reasons, strict=False):
            if reason.get("Code") != "ConditionalCheckFailed":
                continue
            old = from_item(reason["Item"]) if reason.get("Item") else None
            failed.setdefault(item.role, []).append(old)
            refusal = item.explain(old) if item.explain is not None else None
            if refusal is not None:
                refusals.append(refusal)
        contended = any(reason.get("Code") in RETRYABLE for reason in reasons)
        if not failed and not contended:
            raise
        return TxResult(written=False, failed=failed, refusals=tuple(refusals), contended=contended)
    return TxResult(written=True)
