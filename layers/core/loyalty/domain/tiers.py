"""Tier rules: which tier qualifying points support, how far the next one is, and the bounded buckets
that hold a member's qualifying points.

Qualifying points are the points earned in the last ``tier_window_days``. A member's item cannot hold a
day-by-day record of a year (it would grow with every shopping day), so earned points are kept in at
most 53 buckets of ``bucket_days`` days each (see ``bucket_days``):

- a window of up to 53 days uses one bucket per day: exact;
- a longer window uses week buckets (Monday to Sunday, program timezone), or for windows over 371 days
  buckets of several whole weeks, so that the window never needs more than 53 of them;
- a point earned on day D counts while D's bucket is one of the ``ceil(window / bucket_days)`` most
  recent buckets, today's included. So it counts for at least ``tier_window_days`` days and at most
  ``bucket_days - 1`` days more (a 365-day window: 365 to 371 days), and it leaves the window on the
  first day of a bucket. Tier reviews use the same rule, so a review never finds a member earlier or
  later than this rule says.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

MAX_BUCKETS = 53
# 1970-01-05 was a Monday: week buckets start on Mondays.
EPOCH_MONDAY = date(1970, 1, 5).toordinal()


@dataclass(frozen=True)
class TierLevel:
    name: str
    threshold: int
    multiplier: Decimal


def tier_for(qualifying: int, tiers: Sequence[TierLevel]) -> TierLevel:
    """The highest tier whose threshold the qualifying points reach (tiers sorted, first at 0)."""
    reached = [tier for tier in tiers if qualifying >= tier.threshold]
    return reached[-1] if reached else tiers[0]


def next_tier(current: TierLevel, qualifying: int, tiers: Sequence[TierLevel]) -> tuple[TierLevel, int] | None:
    """The tier above ``current`` and the points still needed to reach it; None at the top."""
    above = [tier for tier in tiers if tier.threshold > current.threshold]
    if not above:
        return None
    target = above[0]
    return target, max(target.threshold - qualifying, 0)


def by_name(name: str | None, tiers: Sequence[TierLevel]) -> TierLevel:
    """A member's stored tier; a tier removed from the program falls back to the lowest one."""
    return next((tier for tier in tiers if tier.name == name), tiers[0])


# --- qualifying points in buckets ---------------------------------------------------------------------


@functools.cache  # a program has one window: computed once, not for every order
def bucket_days(window_days: int) -> int:
    """The bucket length for a tier window: days up to 53 days, else the fewest whole weeks that keep
    the window within 53 buckets."""
    if window_days <= MAX_BUCKETS:
        return 1
    return 7 * math.ceil(window_days / (7 * MAX_BUCKETS))


@functools.cache
def buckets_in_window(window_days: int) -> int:
    return math.ceil(window_days / bucket_days(window_days))


def bucket_of(day: date, size: int) -> int:
    """The index of the bucket holding ``day``: day buckets count from 0001-01-01, week buckets from
    a Monday, so a week bucket always runs Monday to Sunday."""
    return day.toordinal() // size if size == 1 else (day.toordinal() - EPOCH_MONDAY) // size


def bucket_start(index: int, size: int) -> date:
    return date.fromordinal(index * size if size == 1 else index * size + EPOCH_MONDAY)


@dataclass(frozen=True)
class Qualifying:
    """Points earned per bucket: ``counts[i]`` belongs to bucket ``first + i``; buckets are ``size`` days."""

    size: int = 1
    first: int = 0
    counts: tuple[int, ...] = ()

    def total(self) -> int:
        return sum(self.counts)

    def by_bucket(self) -> dict[int, int]:
        return {self.first + i: count for i, count in enumerate(self.counts) if count}


def _rebuilt(by_bucket: dict[int, int], size: int, oldest: int) -> Qualifying:
    """Buckets from ``oldest`` on, as a dense tuple without trailing or leading empty buckets."""
    kept = {index: count for index, count in by_bucket.items() if index >= oldest and count > 0}
    if not kept:
        return Qualifying(size)
    first, last = min(kept), max(kept)
    return Qualifying(size, first, tuple(kept.get(index, 0) for index in range(first, last + 1)))


def _oldest(today: date, window_days: int) -> int:
    size = bucket_days(window_days)
    return bucket_of(today, size) - buckets_in_window(window_days) + 1


def _resized(buckets: Qualifying, window_days: int) -> dict[int, int]:
    """Bucket counts in this window's bucket size (the program's window may have changed since they were
    written: each old bucket's points go to the new bucket holding its first day)."""
    size = bucket_days(window_days)
    if buckets.size == size:
        return buckets.by_bucket()
    moved: dict[int, int] = {}
    for index, count in buckets.by_bucket().items():
        target = bucket_of(bucket_start(index, buckets.size), size)
        moved[target] = moved.get(target, 0) + count
    return moved


def earn(buckets: Qualifying, day: date, points: int, today: date, window_days: int) -> Qualifying:
    """Add ``points`` earned on ``day`` (no-op outside the window); buckets that left the window are
    dropped, which is what keeps the list bounded."""
    size = bucket_days(window_days)
    index = bucket_of(day, size)
    oldest = _oldest(today, window_days)
    counts, first = buckets.counts, buckets.first
    if buckets.size == size and points > 0 and counts and counts[0] and counts[-1] and oldest <= first <= index:
        # The common case, at a fraction of the cost (the what-if simulator replays millions of orders):
        # no bucket leaves the window and the new points land in or after the last bucket, so the dense
        # tuple only grows to the right; the same buckets the general path below would build.
        at = index - first
        grown = counts + (0,) * (at - len(counts) + 1) if at >= len(counts) else counts
        return Qualifying(size, first, (*grown[:at], grown[at] + points, *grown[at + 1 :]))
    by_bucket = _resized(buckets, window_days)
    if points > 0 and index >= oldest:
        by_bucket[index] = by_bucket.get(index, 0) + points
    return _rebuilt(by_bucket, size, oldest)


def take_back(buckets: Qualifying, day: date, points: int, today: date, window_days: int) -> Qualifying:
    """Remove ``points`` earned on ``day`` (a refund); never below zero, no-op once they left the window."""
    size = bucket_days(window_days)
    by_bucket = _resized(buckets, window_days)
    index = bucket_of(day, size)
    if index in by_bucket:
        by_bucket[index] = max(by_bucket[index] - points, 0)
    return _rebuilt(by_bucket, size, _oldest(today, window_days))


def qualifying_points(buckets: Qualifying, today: date, window_days: int) -> int:
    """Points that count towards the tier today."""
    oldest = _oldest(today, window_days)
    if buckets.size == bucket_days(window_days):
        return sum(buckets.counts[max(oldest - buckets.first, 0) :])
    return sum(count for index, count in _resized(buckets, window_days).items() if index >= oldest)


def leaving(buckets: Qualifying, today: date, window_days: int) -> list[tuple[date, int]]:
    """When the counted points leave the window, if nothing more is earned: (day, points), soonest first."""
    size = bucket_days(window_days)
    keep = buckets_in_window(window_days)
    oldest = _oldest(today, window_days)
    return [
        (bucket_start(index + keep, size), count)
        for index, count in sorted(_resized(buckets, window_days).items())
        if index >= oldest
    ]


def drop_day(buckets: Qualifying, threshold: int, today: date, window_days: int) -> date:
    """The first day (today or later) on which qualifying points fall below ``threshold``, assuming
    nothing more is earned."""
    left = qualifying_points(buckets, today, window_days)
    if left < threshold:
        return today
    for day, count in leaving(buckets, today, window_days):
        left -= count
        if left < threshold:
            return max(day, today)
    return today + timedelta(days=window_days)  # unreachable for a positive threshold
