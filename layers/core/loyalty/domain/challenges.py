"""Challenges: a member's progress, moved by its orders and back by their refunds. Pure.

The progress of each active challenge lives on the member item (every write of the member pays for its
size), so it is bounded whatever the member's history: a few small numbers (``Progress.numbers``, stored
as varints) per challenge, at most ``MAX_CHALLENGES`` of them.

- ``orders`` and ``spend_minor`` add each order to a bucket of ``bucket_days(window)`` days (at most 8
  buckets span a window). A bucket counts while its LAST day lies within the window, so an order may
  count up to ``bucket_days - 1`` days longer than ``window_days`` (at most 45 days for a 366-day window,
  none for windows of 8 days or less). That is the one approximation: exact per-order days would grow with
  the orders.
- ``categories`` keeps each distinct category (a 14-bit hash of its name: two categories of a program
  collide with odds of about 1 in 16,384) with the last day it was bought, within the window.
- ``weekly_streak`` keeps the orders of each week (Monday to Sunday, local days) of the current streak:
  the streak is the run of consecutive weeks with an order that ends this week or last week (a week in
  progress does not break it).

A completion (progress reaching the goal) credits ``reward_points`` once: the member's version guards
the write, so of orders racing on one member only the first to commit completes it, and the others,
read again, see it completed. A repeatable challenge starts a new round (its progress restarts); a
non-repeatable one keeps counting (a refund must find what still holds it above the goal).

Each order keeps what it added (``Counted``: its round, its bucket, its values) so a refund takes back
exactly that: a refund in full removes the order from every challenge, a partial one only its refunded
share of a spend. When what is left of a completed round falls below its goal, the completion is
undone and its reward reversed (loyalty.services.refunds), so "buy, complete, refund" gains nothing.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from loyalty.models.challenges import MAX_GOAL, Challenge

EPOCH = date(2024, 1, 1).toordinal()  # a Monday: day and week numbers count from it (small varints)
BUCKETS = 8
# The closed rounds of a repeatable challenge whose completion a refund undid, the last UNDONE_ROUNDS of
# them (a bit each: two bytes at most as a varint). A refund of an order of an older round leaves its
# completion standing: it never takes a second reward for one round.
UNDONE_ROUNDS = 14


def day_number(day: date) -> int:
    return day.toordinal() - EPOCH


def week_number(day: date) -> int:
    return day_number(day) // 7  # EPOCH is a Monday: weeks run Monday to Sunday


def bucket_days(window_days: int) -> int:
    return max(1, -(-window_days // BUCKETS))


def category_hash(category: str) -> int:
    return zlib.crc32(category.encode()) & 0x3FFF  # 14 bits: two bytes as a varint


@dataclass(frozen=True)
class Progress:
    """One challenge's state on a member: completions that hold, the last one's time (epoch seconds, 0
    when none holds) and reward, the marks of the open round: ``(bucket or day or week, value)``, and
    (repeatables) the open round's number, which only grows: an order's round tells whether it counted in
    the open round or in one that completed; ``undone``: the closed rounds whose completion was undone,
    bit ``i`` for round ``round - 1 - i``."""

    done: int = 0
    at: int = 0
    paid: int = 0
    marks: tuple[tuple[int, int], ...] = ()
    round: int = 0
    undone: int = 0

    def numbers(self) -> list[int]:
        """As stored: each mark's key as its distance from the one before (marks are kept sorted), so a
        year of weeks or days takes one byte a key instead of two; ``undone``, when any, last (an odd
        count after the four first numbers: items written before it read as none undone)."""
        keys = [key for key, _ in self.marks]
        gaps = [b - a for a, b in zip([0, *keys], keys, strict=False)]
        return [
            self.done,
            self.at,
            self.paid,
            self.round,
            *(n for gap, (_, v) in zip(gaps, self.marks, strict=True) for n in (gap, v)),
            *([self.undone] if self.undone else []),
        ]

    @classmethod
    def of(cls, numbers: Sequence[int]) -> Progress:
        head = [*numbers[:4], 0, 0, 0, 0][:4]
        rest = list(numbers[4:])
        undone = rest.pop() if len(rest) % 2 else 0
        marks, key = [], 0
        for gap, value in zip(rest[::2], rest[1::2], strict=True):
            key += gap
            marks.append((key, value))
        return cls(head[0], head[1], head[2], tuple(marks), head[3], undone)

    @property
    def empty(self) -> bool:
        return not self.done and not self.marks and not self.round


@dataclass(frozen=True)
class Counted:
    """What one order added to one challenge: the round it counted in, its key (bucket, day or week)
    and its values (an order count or spend; the category hashes)."""

    round: int
    key: int
    values: tuple[int, ...]

    def numbers(self) -> list[int]:
        return [self.round, self.key, *self.values]

    @classmethod
    def of(cls, numbers: Sequence[int]) -> Counted:
        return cls(numbers[0], numbers[1], tuple(numbers[2:])) if len(numbers) >= 2 else cls(0, 0, ())


@dataclass(frozen=True)
class Order:
    """What of an order the challenges count: its local day, net amount and categories."""

    day: date
    spend_minor: int
    categories: frozenset[str]


@dataclass(frozen=True)
class Completion:
    challenge: Challenge
    points: int


@dataclass(frozen=True)
class Moved:
    progress: dict[str, Progress]  # the member's challenges after the order (empty ones left out)
    counted: dict[str, Counted]  # what the order added, kept on the order for its refunds
    completed: list[Completion]


def count(challenge: Challenge, progress: Progress, today: date) -> int:
    """What counts toward the goal today."""
    first = day_number(today) - challenge.window_days + 1
    if challenge.kind in ("orders", "spend_minor"):
        width = bucket_days(challenge.window_days)
        return sum(value for key, value in progress.marks if key + width - 1 >= first)
    if challenge.kind == "categories":
        return len({value for key, value in progress.marks if key >= first})
    weeks = {key for key, value in progress.marks if value > 0}
    week = week_number(today)
    streak, current = 0, week if week in weeks else week - 1
    while current in weeks:
        streak, current = streak + 1, current - 1
    return streak


def _kept(challenge: Challenge, marks: Iterable[tuple[int, int]], today: date) -> tuple[tuple[int, int], ...]:
    """The marks that may still count: within the window, and no more than the kind needs."""
    first = day_number(today) - challenge.window_days + 1
    if challenge.kind in ("orders", "spend_minor"):
        width = bucket_days(challenge.window_days)
        return tuple(sorted((k, v) for k, v in marks if v > 0 and k + width - 1 >= first))
    if challenge.kind == "categories":
        last: dict[int, int] = {}
        for key, value in marks:
            if key >= first:
                last[value] = max(last.get(value, key), key)
        newest = sorted(((k, v) for v, k in last.items()), reverse=True)[: MAX_GOAL["categories"]]
        return tuple(sorted(newest))
    oldest = week_number(today) - challenge.goal  # a longer run than the goal adds nothing
    return tuple(sorted((k, v) for k, v in marks if v > 0 and k >= oldest))


def _merged(marks: Iterable[tuple[int, int]], key: int, value: int) -> list[tuple[int, int]]:
    out = dict(marks)
    out[key] = out.get(key, 0) + value
    return list(out.items())


def add(challenge: Challenge, progress: Progress, order: Order, today: date) -> tuple[Progress, Counted | None]:
    """The progress after one more order, and what the order added (None: it adds nothing)."""
    day = day_number(order.day)
    marks: list[tuple[int, int]]
    values: tuple[int, ...]
    if challenge.kind in {"orders", "spend_minor"}:
        value = 1 if challenge.kind == "orders" else order.spend_minor
        key = day - day % bucket_days(challenge.window_days)
        if value <= 0:
            return progress, None
        marks, values = _merged(progress.marks, key, value), (value,)
    elif challenge.kind == "categories":
        key = day
        values = tuple(sorted({category_hash(c) for c in order.categories}))
        if not values:
            return progress, None
        marks = [*progress.marks, *((day, h) for h in values)]
    else:
        key, values = week_number(order.day), (1,)
        marks = _merged(progress.marks, key, 1)
    kept = _kept(challenge, marks, today)
    return replace(progress, marks=kept), Counted(progress.round, key, values)


def on_order(
    challenges: Sequence[Challenge],
    before: Mapping[str, Progress],
    order: Order,
    placed_at_open: Mapping[str, bool],
    today: date,
    now_seconds: int,
) -> Moved:
    """Every challenge after an order: the open ones (``placed_at_open``) count it, a goal reached
    completes, and what no longer counts is dropped (only challenges of the program are kept)."""
    progress: dict[str, Progress] = {}
    counted: dict[str, Counted] = {}
    completed: list[Completion] = []
    for challenge in challenges:
        cid = challenge.challenge_id
        state = before.get(cid, Progress())
        state = replace(state, marks=_kept(challenge, state.marks, today))
        if placed_at_open.get(cid, False):
            state, added = add(challenge, state, order, today)
            if added is not None:
                counted[cid] = added
            if (challenge.repeatable or not state.done) and count(challenge, state, today) >= challenge.goal:
                state = replace(state, done=state.done + 1, at=now_seconds, paid=challenge.reward_points)
                if challenge.repeatable:  # the closed rounds move one bit further back
                    undone = (state.undone << 1) & ((1 << UNDONE_ROUNDS) - 1)
                    state = replace(state, marks=(), round=state.round + 1, undone=undone)
                completed.append(Completion(challenge, challenge.reward_points))
        if not state.empty:
            progress[cid] = state
    return Moved(progress, counted, completed)


@dataclass(frozen=True)
class Undone:
    progress: Progress
    reversed_points: int  # the reward a completion undone takes back (0: none undone)


def undo(challenge: Challenge, progress: Progress, counted: Counted, value: int, today: date, *, full: bool) -> Undone:
    """Take an order's ``value`` (its count, or the refunded part of its spend; categories: all of it)
    back from a challenge (``full``: the order is now refunded in full). A completed round it counted in
    that falls below the goal is undone."""
    if challenge.repeatable and counted.round < progress.round:
        if not full or not progress.done:
            return Undone(progress, 0)
        # Its round completed and restarted: the completion itself is what the order no longer supports,
        # once (the round's other orders refunded after it find it undone already). Approximations: the
        # round's other orders are not carried into the open one, and the reward taken back is the last
        # completion's (a program that changed a repeatable challenge's reward between rounds).
        back = progress.round - 1 - counted.round
        if back >= UNDONE_ROUNDS or progress.undone >> back & 1:
            return Undone(progress, 0)
        done = progress.done - 1
        undone = progress.undone | 1 << back
        return Undone(replace(progress, done=done, at=progress.at if done else 0, undone=undone), progress.paid)
    if value <= 0:
        return Undone(progress, 0)
    if challenge.kind == "categories":
        gone = set(counted.values)
        marks = tuple((k, v) for k, v in progress.marks if not (k == counted.key and v in gone))
    else:
        marks = tuple((k, v - value if k == counted.key else v) for k, v in progress.marks)
        marks = tuple((k, v) for k, v in marks if v > 0)
    after = replace(progress, marks=marks)
    if not challenge.repeatable and after.done and count(challenge, after, today) < challenge.goal:
        return Undone(replace(after, done=0, at=0, paid=0), progress.paid)
    return Undone(after, 0)


def badges_after(
    badges: Mapping[str, tuple[int, int]], awarded: Iterable[str], taken: Iterable[str], now_seconds: int
) -> dict[str, tuple[int, int]]:
    """Badges ``{badge: (awarded_at seconds, count)}`` after completions award some and reversals take
    some back (a count reaching 0 removes the badge)."""
    out = dict(badges)
    for badge in awarded:
        out[badge] = (now_seconds, out.get(badge, (0, 0))[1] + 1)
    for badge in taken:
        at, n = out.get(badge, (0, 0))
        if n <= 1:
            out.pop(badge, None)
        else:
            out[badge] = (at, n - 1)
    return out


def shown(challenge: Challenge, progress: Progress | None, today: date) -> int:
    """The progress a member sees: the open round's count, the goal once a one-off is completed."""
    if progress is None:
        return 0
    if progress.done and not challenge.repeatable:
        return challenge.goal
    return min(count(challenge, progress, today), challenge.goal)
