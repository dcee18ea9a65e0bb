"""What happened to a member, as the events a write publishes (the contract's event types). Pure.

A write records its events on the member item in the same transaction as the change itself (the
member's ``outbox``); the table's stream turns them into published events, in order per member.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

EventType = Literal[
    "member.enrolled",
    "member.updated",
    "member.erased",
    "points.earned",
    "points.matured",
    "points.refunded",
    "points.redeemed",
    "points.expired",
    "points.adjusted",
    "points.bonus",
    "tier.changed",
    "redemption.issued",
    "redemption.used",
    "redemption.cancelled",
    "referral.completed",
]


@dataclass(frozen=True)
class Event:
    type: EventType
    data: Mapping[str, object] = field(default_factory=dict)


def tier_changed(old: str, new: str) -> list[Event]:
    return [Event("tier.changed", {"from": old, "to": new})] if old != new else []
