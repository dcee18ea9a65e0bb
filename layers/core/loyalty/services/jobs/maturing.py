"""Maturing: pending points become available at the start of their order's available_at day.

A run on local day D settles every order due up to D (however many runs were missed): it moves what the
order still holds pending (``pending_left``: refunds may have taken some) to available, on its expiry
day's lot and on its member, and the order leaves the maturing index. One item read per order: the
maturing index projects what this needs, and the member is updated arithmetically, never read.
"""

from __future__ import annotations

from datetime import date, datetime

from aws_lambda_powertools import Logger

from loyalty.domain import calendar, due_dates
from loyalty.domain.events import Event
from loyalty.models.common import rfc3339
from loyalty.models.jobs import JobName
from loyalty.services import referrals
from loyalty.services.jobs.runner import Run, each
from loyalty.services.retry import pause
from loyalty.store import member_reads, member_updates, transactions
from loyalty.store import orders as order_store
from loyalty.store import referrals as referral_store
from loyalty.store.due_index import DueItem
from loyalty.store.orders import PendingOrder

logger = Logger(child=True)

ATTEMPTS = 5


class Maturing:
    name: JobName = "mature"
    kind = "MATURE"

    def through(self, run: Run) -> date:
        return run.today

    def handle(self, items: list[DueItem], run: Run) -> None:
        each(items, run, settle, "mature an order or settle a referral")


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


def mature(order: PendingOrder | None, run: Run) -> None:
    at = rfc3339(run.now)
    target = order.member_id if order is not None else ""  # a provisional member's orders mature into its taker
    for attempt in range(ATTEMPTS):
        if order is None or order.status != "pending":
            return  # matured (or gone) already: the index lagged behind
        if not due_dates.has_matured(datetime.fromisoformat(order.available_at), run.now):
            run.counts["not_yet"] += 1  # due later today (the schedule fired early, or clocks disagree)
            return
        points = order.pending_left
        expires_on = order.expires_on
        if points > 0 and not expires_on:
            raise ValueError("a pending order without an expiry day")
        events = [Event("points.matured", {"order_id": order.order_id, "points": points})]
        update = order_store.matured_update(order, at)
        day = str(expires_on or calendar.NEVER.isoformat())
        never = day == calendar.NEVER.isoformat() or points == 0
        value, today = run.program.point_value_minor, run.today.isoformat()
        result = member_updates.mature(
            target,
            points,
            day,
            at,
            events,
            update,
            expiry="none" if never else "keep",
            value=value,
            book_day=today,
        )
        if not result.written and result.failed_role("member") and not never:
            # The member's expiry day is later than these points' day: it moves to them.
            result = member_updates.mature(
                target, points, day, at, events, update, expiry="sooner", value=value, book_day=today
            )
        if result.written:
            run.counts["orders_matured"] += 1
            run.counts["points_matured"] += points
            return
        if result.failed_role("order"):
            order = order_store.get_pending(order.order_id)  # a refund since: read it again
            continue
        if result.failed_role("member"):
            merged_into = _merged_into(target)
            if merged_into is not None:
                target = merged_into  # its pending points moved with the takeover: they mature there
                continue
            if _erased(target):
                # Its points went with the erasure: the order leaves the index, nothing matures.
                if transactions.run([order_store.forfeited_update(order, at)]).written:
                    run.counts["orders_of_erased_members"] += 1
                    return
                order = order_store.get_pending(order.order_id)
                continue
            # Balances that disagree with the order: leave it for a person to look at.
            run.counts["failures"] += 1
            logger.error("order cannot mature", extra={"order_id": order.order_id})
            return
        pause(attempt)
    run.counts["failures"] += 1


def _merged_into(member_id: str) -> str | None:
    state = member_reads.read(member_id, "none")
    return state.member.merged_into if state is not None and state.member.status == "merged" else None


def _erased(member_id: str) -> bool:
    state = member_reads.read(member_id, "none")
    return state is not None and state.member.status == "erased"


JOBS = {"mature": Maturing()}
