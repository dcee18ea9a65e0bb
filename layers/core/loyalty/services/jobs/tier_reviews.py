"""Tier review: on a member's review day, its tier follows its qualifying points down (the rule, with
its grace, is in loyalty.domain.tier_review). Review days are lower bounds: a member found early is
simply given its next day."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from aws_lambda_powertools import Logger

from loyalty.domain import tier_review
from loyalty.domain.bookings import Booking
from loyalty.domain.events import tier_changed
from loyalty.domain.tiers import by_name
from loyalty.models.common import rfc3339
from loyalty.models.jobs import JobName
from loyalty.services.jobs.runner import Run, each
from loyalty.services.program import tier_levels
from loyalty.store import member_reads, member_updates, write_loop
from loyalty.store.due_index import DueItem
from loyalty.store.unit_of_work import MemberChange, Written

logger = Logger(child=True)

ATTEMPTS = 5


class TierReviews:
    name: JobName = "tier_review"
    kind = "TIER"

    def through(self, run: Run) -> date:
        return run.today

    def handle(self, items: list[DueItem], run: Run) -> None:
        each(items, run, lambda item, run: review(item.member_id, item.day, run), "review a tier")


def review(member_id: str, seen: date, run: Run) -> None:
    levels = tier_levels(run.program)
    window = run.program.tier_window_days
    for _ in range(ATTEMPTS):
        state = member_reads.read(member_id, "none")
        if state is None or state.member.due.tier_review != seen:
            return  # gone, or its review was moved since the index was read: that day stands
        member = state.member
        if member.status != "active":
            member_updates.move_due(member_id, "TIER", seen, None)
            return
        current = by_name(member.tier, levels)
        outcome = tier_review.review(current, member.qualifying, run.today, window, levels, member.tier_since)
        run.counts["tier_reviews"] += 1
        if not outcome.changed and outcome.tier_since == member.tier_since:
            if member_updates.move_due(member_id, "TIER", seen, outcome.next_review):
                return
            continue
        after = replace(
            member,
            tier=outcome.tier.name,
            tier_since=outcome.tier_since,
            due=replace(member.due, tier_review=outcome.next_review),
        )
        events = tier_changed(current.name, outcome.tier.name)
        # A move down books the tier counts on the run's day (with no movement of points), in the same
        # transaction as the member's new tier; a grace that only restarts books nothing.
        booking = Booking(None, run.today.isoformat())
        if isinstance(
            write_loop.commit_change(MemberChange(member, after, rfc3339(run.now), events, booking=booking)), Written
        ):
            if outcome.changed:
                run.counts["tier_changes"] += 1
                logger.info(
                    "tier changed", extra={"member_id": member_id, "from": current.name, "to": outcome.tier.name}
                )
            return
    run.counts["failures"] += 1


JOBS = {"tier_review": TierReviews()}
