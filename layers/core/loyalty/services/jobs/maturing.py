"""Maturing: pending points become available at the start of their order's available_at day.

A run on local day D settles every order due up to D (however many runs were missed): it moves what the
order still holds pending (``pending_left``: refunds may have taken some) to available, on its expiry
day's lot and on its member, and the order leaves the maturing index. One item read per order: the
maturing index projects what this needs, and the member is updated arithmetically, never read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from aws_lambda_powertools import Logger

from loyalty.domain import calendar, due_dates
from loyalty.domain.events import Event
from loyalty.models.common import rfc3339
from loyalty.services import referrals
from loyalty.services.jobs.runner import EachDue, Run
from loyalty.store import member_reads, member_updates, write_loop
from loyalty.store import orders as order_store
from loyalty.store import referrals as referral_store
from loyalty.store.due_index import DueItem
from loyalty.store.orders import PendingOrder
from loyalty.store.transactions import TxResult
from loyalty.store.unit_of_work import Outcome, Refused, Retry, decide
from loyalty.store.write_loop import Again, Done, Prepared

logger = Logger(child=True)


def settle(item: DueItem, run: Run) -> None:
    if referral_store.is_referral(item.key):
        settle_referral(item.member_id, run)
    else:
        mature(order_store.pending_of(item), run)


def settle_referral(referee_id: str, run: Run) -> None:
    """A referee's record found in the index: complete it once its order's points are available, then
    credit both members. Read again first (the index lags behind); every step is conditioned, so a run
    twice, or two runs at once, settle it once."""
    record = referral_store.get(referee_id)
    if record is None:
        return
    if record.state == "candidate":
        order = order_store.get_pending(record.order_id)
        if (
            order is not None
            and order.status == "pending"
            and order.matures_on
            and order.matures_on <= run.today.isoformat()
        ):
            mature(order, run)  # its own index entry may come later in this run, or came already
        outcome, record = referrals.complete(record, run.program, run.now)
        if outcome == "waiting":
            run.counts["referrals_waiting"] += 1
            return
        if outcome == "dropped":
            run.counts["referrals_dropped"] += 1
            return
    if record.state == "completed":
        credited = referrals.credit(record, run.program, run.now)
        if credited.credited:
            run.counts["referrals_completed"] += 1
            run.counts["referral_milestones"] += credited.milestone is not None


# What a failed member condition means: under ``keep``, the member's expiry day is later than these
# points' (it moves to them next round, ``sooner``); otherwise the member is gone (merged, erased) or
# its balances disagree with the order.
EXPIRY_LATER = "expiry_day_later"
MEMBER_FAILED = "member_failed"


@dataclass(frozen=True)
class MatureRead:
    """What a round of maturing has: the order (read again only after it changed), the member its
    points go to (its taker after a takeover), whether the member's expiry day moves to these points
    (``sooner``: the ``keep`` form failed) and whether the member was found erased."""

    order: PendingOrder | None
    target: str
    sooner: bool = False
    erased: bool = False


@dataclass(frozen=True)
class Settled:
    """How an order was settled: matured (its ``points``), forfeited (its member was erased), gone
    (matured or gone already: the index lagged behind), not yet due, stuck (balances that disagree with
    the order: left for a person) or busy (every round lost a race: due again next run)."""

    what: Literal["matured", "forfeited", "gone", "not_yet", "stuck", "busy"]
    points: int = 0


@dataclass
class _Rounds:
    order: PendingOrder | None
    target: str
    stale: bool = False
    sooner: bool = False
    erased: bool = False


def mature(order: PendingOrder | None, run: Run) -> None:
    # A provisional member's orders mature into its taker.
    rounds = _Rounds(order, order.member_id if order is not None else "")

    def read(_: int) -> MatureRead:
        if rounds.stale and rounds.order is not None:
            rounds.order = order_store.get_pending(rounds.order.order_id)  # a refund since: read it again
        sooner, rounds.stale, rounds.sooner = rounds.sooner, False, False
        return MatureRead(rounds.order, rounds.target, sooner, rounds.erased)

    def retried(outcome: Retry) -> bool:
        rounds.stale = "order" in outcome.failed
        return rounds.stale

    def refused(outcome: Refused) -> Settled | Again:
        if outcome.reason == EXPIRY_LATER:
            rounds.sooner = True  # the member's expiry day moves to these points
            return Again(pause=False)
        merged_into = _merged_into(rounds.target)
        if merged_into is not None:
            rounds.target = merged_into  # its pending points moved with the takeover: they mature there
            return Again(pause=False)
        if _erased(rounds.target):
            rounds.erased = True
            return Again(pause=False)
        return Settled("stuck")

    settled = write_loop.write(
        read,
        lambda mature_read: plan(mature_read, run),
        budget=write_loop.JOB,
        contended=f"Order '{order.order_id if order else ''}' could not mature.",
        refused=refused,
        retried=retried,
        exhausted=lambda: Settled("busy"),
    )
    if settled.what == "matured":
        run.counts["orders_matured"] += 1
        run.counts["points_matured"] += settled.points
    elif settled.what == "forfeited":
        run.counts["orders_of_erased_members"] += 1
    elif settled.what == "not_yet":
        run.counts["not_yet"] += 1  # due later today (the schedule fired early, or clocks disagree)
    elif settled.what in ("stuck", "busy"):
        run.counts["failures"] += 1
        if settled.what == "stuck" and rounds.order is not None:
            logger.error("order cannot mature", extra={"order_id": rounds.order.order_id})


def plan(read: MatureRead, run: Run) -> Done[Settled] | Prepared[None, Settled]:
    """Pending -> available for the order as read: what it still holds pending joins its expiry day's
    lot and the member's balance (without reading the member: its condition says what it holds), and
    the order leaves the maturing index. An erased member's order only leaves the index."""
    order = read.order
    if order is None or order.status != "pending":
        return Done(Settled("gone"))
    if not due_dates.has_matured(datetime.fromisoformat(order.available_at), run.now):
        return Done(Settled("not_yet"))
    at = rfc3339(run.now)
    if read.erased:
        # Its points went with the erasure: the order leaves the index, nothing matures.
        return Prepared([order_store.forfeited_update(order, at)], Settled("forfeited"), outcome=_named(MEMBER_FAILED))
    points = order.pending_left
    expires_on = order.expires_on
    if points > 0 and not expires_on:
        raise ValueError("a pending order without an expiry day")
    day = str(expires_on or calendar.NEVER.isoformat())
    never = day == calendar.NEVER.isoformat() or points == 0
    expiry: Literal["keep", "sooner", "none"] = "none" if never else "sooner" if read.sooner else "keep"
    items = member_updates.mature_transaction(
        read.target,
        points,
        day,
        at,
        [Event("points.matured", {"order_id": order.order_id, "points": points})],
        order_store.matured_update(order, at),
        expiry=expiry,
        value=run.program.point_value_minor,
        book_day=run.today.isoformat(),
    )
    named = _named(EXPIRY_LATER if expiry == "keep" else MEMBER_FAILED)
    return Prepared(items, Settled("matured", points), outcome=named)


def _named(member_refusal: str) -> Callable[[TxResult], Outcome[None]]:
    """The order changed since it was read (a refund): read it again; else a failed member condition
    says ``member_refusal``."""

    def named(result: TxResult) -> Outcome[None]:
        if not result.written and result.failed_role("order"):
            return Retry("the order changed since it was read", frozenset(result.failed), result.failed)
        if not result.written and result.failed_role("member"):
            return Refused(member_refusal)
        return decide(result, None)

    return named


def _merged_into(member_id: str) -> str | None:
    state = member_reads.read(member_id, "none")
    return state.member.merged_into if state is not None and state.member.status == "merged" else None


def _erased(member_id: str) -> bool:
    state = member_reads.read(member_id, "none")
    return state is not None and state.member.status == "erased"


JOBS = {"mature": EachDue("mature", "MATURE", settle, "mature an order or settle a referral")}
