"""Ledger entries: what GET /v1/members/{member_id}/activity lists, and what an adjustment answers."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from loyalty.models.common import Model, Timestamp

EntryKind = Literal[
    "earn", "refund", "redeem", "redemption_cancel", "expire", "adjust", "referral", "bonus", "import", "merge"
]


class Entry(Model):
    entry_id: str
    kind: EntryKind
    points: int
    balance_after: int
    occurred_at: Timestamp
    order_id: str | None = None
    refund_id: str | None = None
    redemption_id: str | None = None
    adjustment_id: str | None = None
    reason: str | None = None
    merged_with: str | None = Field(
        default=None,
        description="A merge entry's other member: the provisional member taken over, or the member it went to.",
    )
    key_id: str | None = Field(
        default=None, description="The API key that made the write; null for a scheduled job's entry (expiry)."
    )
