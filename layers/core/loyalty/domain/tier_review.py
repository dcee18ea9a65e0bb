"""Tier review: when a member's tier must be looked at again, and what it becomes then. Pure.

The rule (also in docs/jobs.md):
- Qualifying points are the points earned over the last ``tier_window_days`` days, today included.
- Upgrades are immediate (accrual moves a member up as soon as qualifying points reach a threshold).
- Grace: a tier reached by earning is kept for at least ``tier_window_days`` from the day it was
  reached (``tier_since``), whatever happens to the qualifying points meanwhile.
- After that, a member is reviewed on the first day their qualifying points would fall below their
  tier's threshold if they earned nothing more. At the review the member moves down to the tier their
  qualifying points support (several steps at once if need be). A tier reached by moving down carries
  no grace of its own.
- Members at the lowest tier are never reviewed.

Review dates are stored as lower bounds: a date may be early (new points pushed the real one later), in
which case the review finds nothing to do and stores the next date. It must never be late.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from loyalty.domain.tiers import TierLevel, qualifying_points, tier_for


def drop_day(earned_by_day: Mapping[str, int], threshold: int, today: date, window_days: int) -> date:
    """The first day (today or later) on which qualifying points fall below ``threshold``, assuming
    nothing more is earned: each earning day leaves the window ``window_days`` days after it."""
    left = qualifying_points(earned_by_day, today, window_days)
    if left < threshold:
        return today
    first = (today - timedelta(days=window_days - 1)).isoformat()
    for day in sorted(d for d in earned_by_day if d >= first):
        left -= earned_by_day[day]
        if left < threshold:
            return date.fromisoformat(day) + timedelta(days=window_days)
    # Unreachable for a positive threshold (every point leaves eventually); today keeps callers total.
    return today


def grace_end(tier_since: str | None, window_days: int) -> date | None:
    return date.fromisoformat(tier_since) + timedelta(days=window_days) if tier_since else None


def next_review(
    earned_by_day: Mapping[str, int], tier: TierLevel, today: date, window_days: int, tier_since: str | None
) -> date:
    """When ``tier`` must be reviewed: the later of the end of its grace and the day its points drop."""
    day = drop_day(earned_by_day, tier.threshold, today, window_days)
    grace = grace_end(tier_since, window_days)
    return max(day, grace) if grace else day


@dataclass(frozen=True)
class Review:
    tier: TierLevel
    changed: bool
    next_review: date | None  # None: lowest tier, nothing to review any more
    tier_since: str | None  # the grace anchor to keep (None: remove it)


def review(
    current: TierLevel,
    earned_by_day: Mapping[str, int],
    today: date,
    window_days: int,
    levels: Sequence[TierLevel],
    tier_since: str | None,
) -> Review:
    lowest = levels[0]
    if current.threshold <= lowest.threshold:
        return Review(current, changed=False, next_review=None, tier_since=None)
    grace = grace_end(tier_since, window_days)
    if grace is not None and today < grace:
        return Review(current, False, next_review(earned_by_day, current, today, window_days, tier_since), tier_since)
    supported = tier_for(qualifying_points(earned_by_day, today, window_days), levels)
    if supported.threshold >= current.threshold:
        # Still supported (or more: upgrades are accrual's business). No grace from here on.
        return Review(current, False, drop_day(earned_by_day, current.threshold, today, window_days), None)
    if supported.threshold <= lowest.threshold:
        return Review(supported, changed=True, next_review=None, tier_since=None)
    return Review(supported, True, drop_day(earned_by_day, supported.threshold, today, window_days), None)
