"""Tier review: when a member's tier must be looked at again, and what it becomes then. Pure.

The rule (also in docs/jobs.md):
- Qualifying points are the points earned over the last ``tier_window_days`` days, counted in buckets
  (loyalty.domain.tiers: exact for windows up to 53 days, by week beyond).
- Upgrades are immediate (accrual moves a member up as soon as qualifying points reach a threshold).
- Grace: a tier reached by earning is kept for at least ``tier_window_days`` from the day it was
  reached (``tier_since``), whatever happens to the qualifying points meanwhile.
- After that, a member is reviewed on the first day their qualifying points would fall below their
  tier's threshold if they earned nothing more. At the review the member moves down to the tier their
  qualifying points support (several steps at once if need be). A tier reached by moving down carries
  no grace of its own.
- Members at the lowest tier have nothing to review; they are looked at again a window later (a tier
  they reach meanwhile has a grace at least that long).

Review dates are stored as lower bounds: a date may be early (new points pushed the real one later), in
which case the review finds nothing to do and stores the next date. It must never be late.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from loyalty.domain.tiers import Qualifying, TierLevel, drop_day, qualifying_points, tier_for


def grace_end(tier_since: str | None, window_days: int) -> date | None:
    return date.fromisoformat(tier_since) + timedelta(days=window_days) if tier_since else None


def next_review(
    buckets: Qualifying, tier: TierLevel, today: date, window_days: int, tier_since: str | None, lowest: TierLevel
) -> date:
    """When ``tier`` must be reviewed: the later of the end of its grace and the day its points drop."""
    if tier.threshold <= lowest.threshold:
        return today + timedelta(days=window_days)
    day = drop_day(buckets, tier.threshold, today, window_days)
    grace = grace_end(tier_since, window_days)
    return max(day, grace) if grace else day


@dataclass(frozen=True)
class Review:
    tier: TierLevel
    changed: bool
    next_review: date
    tier_since: str | None  # the grace anchor to keep (None: remove it)


def review(
    current: TierLevel,
    buckets: Qualifying,
    today: date,
    window_days: int,
    levels: Sequence[TierLevel],
    tier_since: str | None,
) -> Review:
    lowest = levels[0]
    if current.threshold <= lowest.threshold:
        return Review(current, False, today + timedelta(days=window_days), None)
    grace = grace_end(tier_since, window_days)
    if grace is not None and today < grace:
        return Review(current, False, next_review(buckets, current, today, window_days, tier_since, lowest), tier_since)
    supported = tier_for(qualifying_points(buckets, today, window_days), levels)
    if supported.threshold >= current.threshold:
        # Still supported (or more: upgrades are accrual's business). No grace from here on.
        return Review(current, False, next_review(buckets, current, today, window_days, None, lowest), None)
    return Review(supported, True, next_review(buckets, supported, today, window_days, None, lowest), None)
