"""Maturing: pending points become available at the start of their order's available_at day.

A run on local day D settles the MATURE bucket of D (and the catch-up days before it): each pending
order moves what it still holds pending (``pending_left``: refunds may have taken some) to available,
in its lot and on its member (and the member's expiry schedule), and leaves the bucket. One item read
per order: the member is updated arithmetically, never read.
"""

from __future__ import annotations

from datetime import date, datetime

from aws_lambda_powertools import Logger

from loyalty.domain import due_work
from loyalty.models.common import rfc3339
from loyalty.models.jobs import JobName
from loyalty.services.jobs.runner import Run, catch_up_days
from loyalty.services.retry import pause
from loyalty.store import due as due_store
from loyalty.store import keys
from loyalty.store.client import Item

logger = Logger(child=True)

ATTEMPTS = 5


class Maturing:
    name: JobName = "mature"
    kind = "MATURE"

    def days(self, run: Run) -> list[date]:
        return due_work.window(due_work.maturing_target(run.today), catch_up_days())

    def handle(self, items: list[Item], day: str, run: Run) -> None:
        for order in items:
            try:
                mature(order, run)
            except Exception:  # one order's failure must not stop the others; the next run retries it
                run.counts["failures"] += 1
                logger.exception("could not mature an order", extra={"order_id": order.get("order_id")})


def mature(order: Item, run: Run) -> None:
    at = rfc3339(run.now)
    for attempt in range(ATTEMPTS):
        if order.get("status") != "pending":
            return  # matured (or never pending) already: a stale index entry
        if not due_work.has_matured(datetime.fromisoformat(str(order["available_at"])), run.now):
            run.counts["not_yet"] += 1  # a catch-up read of a bucket whose hour has not come (clock skew)
            return
        points = int(order.get("pending_left", 0))
        if points > 0 and not order.get("lot"):
            raise ValueError("a pending order without a lot")
        schedule = due_work.expiry_schedule([(str(order.get("lot")), points)])  # empty if they never expire
        expiry_day = due_work.expiry_due_day(schedule, run.today, None)
        outcome = due_store.mature(order, points, at, expiry_day)
        if outcome.failed_at(due_store.MATURE_MEMBER) and expiry_day is not None:
            # The member's expiry key is later than these points' day: this lot is now its soonest.
            outcome = due_store.mature(order, points, at, expiry_day, sooner=True)
        if outcome.written:
            run.counts["orders_matured"] += 1
            run.counts["points_matured"] += points
            return
        if outcome.failed_at(due_store.MATURE_ORDER):
            fresh = due_store.get_item(keys.order(str(order["order_id"])))  # a refund since: read again
            if fresh is None:
                return
            order = fresh
            continue
        if outcome.failed_at(due_store.MATURE_MEMBER) or outcome.failed_at(due_store.MATURE_LOT):
            # Erased member, or balances that disagree with the order: leave it for a person to look at.
            run.counts["failures"] += 1
            logger.error("order cannot mature", extra={"order_id": order.get("order_id")})
            return
        pause(attempt)
    run.counts["failures"] += 1


JOBS = {"mature": Maturing()}
