"""The due-work index keys a member update carries: tier review (GSI4) and dormancy check (GSI3).

Both are lower bounds that the daily jobs move forward, so the writes that change balances set them
only when they could otherwise be late: accrual when a member first rises above the lowest tier (the
grace of the new tier makes any stored date a valid bound), a refund whenever it lowers qualifying
points (the review may now be due sooner), enrollment once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from loyalty.domain import reengagement, tier_review
from loyalty.domain.tiers import TierLevel, by_name
from loyalty.models.program import Program
from loyalty.services.program import tier_levels
from loyalty.store import keys
from loyalty.store.client import Item


@dataclass(frozen=True)
class DueFields:
    fields: dict[str, Any] = field(default_factory=dict)  # set whatever the item holds
    keep: dict[str, str] = field(default_factory=dict)  # set only where the item has none yet


def after_accrual(
    profile: Item, new_tier: TierLevel, earned_by_day: dict[str, int], program: Program, today: date
) -> DueFields:
    levels = tier_levels(program)
    member_id = str(profile["member_id"])
    since = profile.get("tier_since")
    fields: dict[str, Any] = {}
    if new_tier.threshold > by_name(profile.get("tier"), levels).threshold:
        since = today.isoformat()
        fields["tier_since"] = since  # the grace of the tier just reached starts today
    if new_tier.threshold <= levels[0].threshold:
        return DueFields(fields)
    day = tier_review.next_review(earned_by_day, new_tier, today, program.tier_window_days, since)
    return DueFields(fields, keys.tier_review(day.isoformat(), member_id))


def after_refund(profile: Item, earned_by_day: dict[str, int], program: Program, today: date) -> dict[str, Any]:
    """A refund can only bring the review closer: store the exact date (always a valid bound)."""
    levels = tier_levels(program)
    tier = by_name(profile.get("tier"), levels)
    if tier.threshold <= levels[0].threshold:
        return {}
    day = tier_review.next_review(earned_by_day, tier, today, program.tier_window_days, profile.get("tier_since"))
    return keys.tier_review(day.isoformat(), str(profile["member_id"]))


def at_enrollment(member_id: str, program: Program, today: date) -> dict[str, str]:
    """A new member's first dormancy check: dormant_after_days after enrolling, if nothing happens."""
    day = reengagement.dormant_on(today, program.emails.dormant_after_days)
    return keys.dormancy_check(day.isoformat(), member_id)
