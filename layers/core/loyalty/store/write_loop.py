"""The one write loop of the platform: read -> plan -> commit -> outcome, and pause and retry.

A use case supplies what it reads (the member, plus the reward, order or redemption it concerns), a
pure ``plan`` (what changes, given what was read) and how it answers a replay. The loop owns the rest:
what the change books is asked of the domain (loyalty.domain.bookings) and handed to the unit of work
(loyalty.store.unit_of_work), the outcome is named, and a write that lost a race reads again after a
pause with full jitter, within the budget its kind of write is given here (and only here).

Why a budget per kind: a member's own writes race only that member's other writes, so a few rounds
settle them; a stocked reward's counter is one item every buyer of the reward races for, so a sale
needs more rounds; a scheduled job's write gives up sooner, since the member is due again next run.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

from loyalty.domain import bookings
from loyalty.domain.bookings import Books
from loyalty.domain.errors import Contended, LoyaltyError
from loyalty.store import transactions
from loyalty.store.transactions import TxItem, TxResult
from loyalty.store.unit_of_work import (
    EntryPut,
    MemberChange,
    Outcome,
    Refused,
    Replay,
    Retry,
    Written,
    commit,
    decide,
)


@dataclass(frozen=True)
class Budget:
    """How many rounds a kind of write gets, and the largest pause step (5 ms x 2^step, capped)."""

    attempts: int
    pause_step: int = 10


MEMBER = Budget(10)  # a member's own write: races only that member's other writes
# A sale of a stocked reward (every buyer races on one counter), or an order under a campaign budget (the
# orders race on its shares, and an order whose share is short tries the next ones).
STOCKED = Budget(30, pause_step=5)
JOB = Budget(5)  # a scheduled job's write: a member still busy is due again on the next run
MAX_PAUSE_S = 0.2


def pause(attempt: int, budget: Budget = MEMBER) -> None:
    """Sleep a random time up to 5 ms x 2^attempt (capped at 200 ms), so racing writers spread out."""
    time.sleep(random.uniform(0, min(0.005 * 2 ** min(attempt, budget.pause_step), MAX_PAUSE_S)))


@dataclass(frozen=True)
class Planned[T, A]:
    """A change of one member to commit through the unit of work; ``answer`` once it is written."""

    change: MemberChange[T]
    answer: A


@dataclass(frozen=True)
class Prepared[T, A]:
    """A transaction of its own (no balance moves: a voucher used, an enrollment), run as it is;
    ``entry`` tells a replay, ``outcome`` names a result the common rules do not (default: ``decide``)."""

    items: Sequence[TxItem]
    answer: A
    entry: EntryPut[T] | None = None
    outcome: Callable[[TxResult], Outcome[T]] | None = None


@dataclass(frozen=True)
class Done[A]:
    """Nothing to write: the plan found the answer in what it read (already used, already cancelled)."""

    answer: A


@dataclass(frozen=True)
class Found[T]:
    """The plan found the request already recorded (its entry, read before writing): it is answered as
    a replay, by ``replay``, with no write (a refund read by its refund_id)."""

    existing: T


@dataclass(frozen=True)
class Again:
    """What was read is stale (the plan found a cached reward's stock spent; a replay found the voucher
    code taken by another redemption; a refusal said the reward changed): read again, at once when
    nothing races (``pause=False``)."""

    pause: bool = True


type Step[T, A] = Planned[T, A] | Prepared[T, A] | Done[A] | Found[T] | Again


def books_of(change: MemberChange[Any]) -> Books:
    """What the change books, asked of the domain from what it decided."""
    return bookings.books(
        change.booking,
        change.lot_deltas,
        change.portions_before,
        bookings.counted_tier(change.before.status, change.before.tier),
        bookings.counted_tier(change.after.status, change.after.tier),
    )


def run_step[T, A](step: Planned[T, A] | Prepared[T, A]) -> Outcome[T]:
    """One round's write."""
    if isinstance(step, Planned):
        return commit(step.change, books_of(step.change))
    result = transactions.run(step.items)
    return step.outcome(result) if step.outcome is not None else decide(result, step.entry)


def _no_refusal(refused: Refused) -> NoReturn:
    raise ValueError(f"a refusal ({refused.reason}) this write does not expect")


def _no_replay(existing: object) -> NoReturn:
    raise ValueError(f"a replay ({existing!r}) of a write that puts no entry")


def write[S, T, A](
    read: Callable[[int], S],
    plan: Callable[[S], Step[T, A]],
    replay: Callable[[T], A | Again] = _no_replay,
    *,
    budget: Budget,
    contended: str,
    refused: Callable[[Refused], A | Again] = _no_refusal,
    retried: Callable[[Retry], bool] | None = None,
    lost: Callable[[LoyaltyError], A | None] | None = None,
    exhausted: Callable[[], A] | None = None,
) -> A:
    """Write once, whatever races it. Each round reads (``read`` gets the round's number), plans and
    writes; then the outcome answers: written (the plan's answer), replay (``replay`` of the entry that
    stood first; a write that puts none leaves it out), refused (``refused``: usually raises the rule's
    error), or retry. ``replay`` and ``refused`` may answer Again when what stood in the way says the
    read was stale rather than answering the request (an entry that is another request's, a reward
    changed since it was cached).

    ``retried`` learns from a lost round (what a failed counter held) and says whether the next round
    may go at once. ``lost`` answers a request whose read or plan refused it (the member erased since,
    the points spent since) when the same request was already recorded (None: it was not, the error
    stands). ``exhausted`` answers when every round lost (default: Contended, ``contended`` says why)."""
    for attempt in range(budget.attempts):
        try:
            step = plan(read(attempt))
        except LoyaltyError as error:
            answer = lost(error) if lost is not None else None
            if answer is None:
                raise
            return answer
        answered = _answer(step, replay, refused, retried)
        if not isinstance(answered, Again):
            return answered
        if answered.pause:
            pause(attempt, budget)
    if exhausted is not None:
        return exhausted()
    raise Contended(contended)


def _answer[T, A](
    step: Step[T, A],
    replay: Callable[[T], A | Again],
    refused: Callable[[Refused], A | Again],
    retried: Callable[[Retry], bool] | None,
) -> A | Again:
    """One round's answer, or Again (read again, after a pause or at once)."""
    if isinstance(step, Done):
        return step.answer
    if isinstance(step, Found):  # nothing to write: the entry read is replayed
        return replay(step.existing)
    if isinstance(step, Again):
        return step
    outcome = run_step(step)
    if isinstance(outcome, Written):
        return step.answer
    if isinstance(outcome, Retry):
        return Again(pause=retried is None or not retried(outcome))
    return replay(outcome.existing) if isinstance(outcome, Replay) else refused(outcome)
