"""A campaign's budget split into shares, so that concurrent orders do not all write one counter.

A budget of ``B`` points is held by ``count`` share items (at most ``MAX_SHARES``), each with what it
may still give (``left``) and what it gave (``spent``); the lefts and the spents of all shares add up to
the budget. An order writes the share its id picks (``preference``: the same share on every retry), on
the condition that the share has the points it takes, so no interleaving gives more than the budget and
the orders racing at any moment are spread over ``count`` items instead of one.

An order whose share is short takes what is left there and the rest from its next shares (``take``),
by what the process knows of them: a share never seen is assumed to hold enough, a share seen short is
taken at what it held. A failed condition returns the share as it was, so learning costs the order that
meets a short share one round trip, and no read.

Changing the budget re-splits it (``resplit``): what each share spent stays (a refund gives back to the
share it came from), and what is left of the new budget is spread evenly over the new count of shares.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

MAX_SHARES = 16
# The fewest full bonuses a share holds: below it, a share would run out after a handful of orders and
# its orders would take from another one (a round trip more each), which is what the split is to avoid.
MIN_BONUSES_PER_SHARE = 4


def shares_for(budget: int, bonus: int) -> int:
    """How many shares a budget is split into: 16, or fewer so that each holds at least four bonuses
    (a budget of 250 for a bonus of 100 is one share: the single counter it always was)."""
    return max(1, min(MAX_SHARES, budget // max(bonus * MIN_BONUSES_PER_SHARE, 1)))


def preference(order_id: str, count: int) -> list[int]:
    """The order's shares, first choice first: a hash of the order id with each share's number
    (rendezvous hashing), so orders spread evenly over the shares, a retry of the order picks the same
    ones, and the orders of a share that ran out spread over all the others, not onto its neighbour."""

    def rank(share: int) -> bytes:
        return hashlib.blake2b(f"{order_id}#{share}".encode(), digest_size=8).digest()

    return sorted(range(count), key=rank, reverse=True)


def take(points: int, order: list[int], known: Mapping[int, int]) -> dict[int, int]:
    """What the order takes from each share to give ``points``: from its shares in order, each at most
    what it is known to hold (a share not in ``known`` is assumed to hold enough). Less than ``points``
    in all only when the known shares hold less."""
    takes: dict[int, int] = {}
    need = points
    for share in order:
        if need <= 0:
            break
        part = min(need, known.get(share, need))
        if part > 0:
            takes[share] = part
            need -= part
    return takes


def available(points: int, order: list[int], known: Mapping[int, int]) -> int:
    """The most the order can expect to get of ``points``, by what is known of its shares."""
    return sum(take(points, order, known).values())


@dataclass(frozen=True)
class Share:
    spent: int = 0  # the bonus points given from this share, less those refunds gave back
    left: int = 0  # what it may still give; below 0 when the budget was lowered below what was given


def resplit(budget: int, count: int, shares: Mapping[int, Share], other_spent: int = 0) -> dict[int, Share]:
    """The shares after the budget becomes ``budget`` split in ``count``: every share keeps what it
    spent; ``other_spent`` is given outside any share (the single counter of before the split).

    Within the budget, what is left of it (the budget less everything spent) is spread evenly over the
    first ``count`` shares, the larger parts first; the other shares keep 0. A budget lowered below what
    was given leaves every share at or below 0: the shortfall is spread over the shares in proportion
    to what each spent, so a refund pays off its own share's part before that share gives again. The
    lefts and the spents always add up to the budget."""
    slots = range(max(count, max(shares, default=-1) + 1))
    spent = {i: shares.get(i, Share()).spent for i in slots}
    left_over = budget - other_spent - sum(spent.values())
    if left_over >= 0:
        base, extra = divmod(left_over, count)
        return {i: Share(spent[i], (base + (1 if i < extra else 0)) if i < count else 0) for i in slots}
    owed = _proportional(-left_over, spent)
    return {i: Share(spent[i], -owed[i]) for i in slots}


def _proportional(total: int, weights: Mapping[int, int]) -> dict[int, int]:
    """``total`` split in proportion to ``weights`` (whole numbers, largest remainders first), each part
    at most its weight when ``total`` is at most their sum; the rest, if any, on the first share."""
    whole = sum(weights.values())
    if whole <= 0:
        return {i: (total if i == min(weights) else 0) for i in weights}
    capped = min(total, whole)
    parts = {i: capped * w // whole for i, w in weights.items()}
    by_remainder = sorted(weights, key=lambda i: (-(capped * weights[i] % whole), i))
    for i in by_remainder[: capped - sum(parts.values())]:
        parts[i] += 1
    parts[min(weights)] += total - capped
    return parts
