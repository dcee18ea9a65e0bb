"""The contract's event types, one list: apart from the events' data models (loyalty.models.events) so
that what only names them (a webhook subscription's filter) does not build those models at init."""

from __future__ import annotations

from typing import Literal, get_args

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
    "membership.started",
    "membership.ended",
]
EVENT_TYPES: tuple[EventType, ...] = get_args(EventType)
