"""Tier review: on a member's review day, its tier follows its qualifying points down (the rule, with
its grace, is in loyalty.domain.tier_review). Review days are lower bounds: a member found early is
simply given its next day."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from aws_lambda_powertools import Logger

from loyalty.domain import tier_review
from loyalty.domain.bookings import Booking
from loyalty.domain.tiers import by_name
from loyalty.models.common import rfc3339
from loyalty.services import memberships
from loyalty.services.jobs import membership_reminders
from loyalty.services.jobs.runner import EachDue, Run, by_member
from loyalty.services.program import tier_levels
from loyalty.store import member_reads, member_updates, write_loop
from loyalty.store.member_reads import MemberState
from loyalty.store.unit_of_work import MemberChange
from loyalty.store.write_loop import Done, Planned

logger = Logger(child=True)


@dataclass(frozen=True)
class Reviewed:
    """A review made: the tier it left (``before``) and the one it gives; ``next_review``, when the
    review only moves the member's review day (no tier, no grace changed)."""

    before: str
    after: str
    next_review: date | None = None
    moved_only: bool = False


@dataclass(frozen=True)
class Skipped:
    """No review: the member is gone, or its review was moved since the index was read (that day
    stands), or it is not active (``leaves``: its review day leaves the index)."""

    leaves: bool = False


@dataclass(frozen=True)
class Busy:
    """Every round lost a race: the member stays due, and the next run retries it."""


type Settled = Reviewed | Skipped | Busy


def review(member_id: str, seen: date, run: Run) -> None:
    read: list[MemberState | None] = []

    def load(_: int) -> MemberState | None:
        read[:] = [member_reads.read(member_id, "none")]
        return read[0]

    answer = write_loop.write(
        load,
        lambda state: plan(state, seen, run),
        budget=write_loop.JOB,
        contended=f"Member '{member_id}' tier could not be reviewed.",
        exhausted=Busy,
    )
    match answer:
        case Busy():
            run.counts["failures"] += 1
        case Skipped(leaves=True):
            member_updates.move_due(member_id, "TIER", seen, None)
        case Reviewed(moved_only=True):
            run.counts["tier_reviews"] += 1
            # One conditional update, no version: when it fails someone moved the day since, and theirs stands.
            member_updates.move_due(member_id, "TIER", seen, answer.next_review)
        case Reviewed(before=before, after=after):
            run.counts["tier_reviews"] += 1
            if before != after:
                run.counts["tier_changes"] += 1
                logger.info("tier changed", extra={"member_id": member_id, "from": before, "to": after})
    if isinstance(answer, Reviewed) and read and read[0] is not None and read[0].member.memberships:
        membership_reminders.remind(read[0].member, seen, answer.next_review, run)


def plan(state: MemberState | None, seen: date, run: Run) -> Done[Settled] | Planned[None, Settled]:
    """The member's tier after the review of its qualifying points on the run's day (with its grace: see
    loyalty.domain.tier_review) and its next review day. A move down books the tier counts on the run's
    day (with no movement of points) in the same transaction as the member's new tier; a grace that only
    restarts books nothing; a review that changes neither only moves the review day."""
    if state is None or state.member.due.tier_review != seen:
        return Done(Skipped())
    member = state.member
    if member.status != "active":
        return Done(Skipped(leaves=True))
    levels = tier_levels(run.program)
    current = by_name(member.tier, levels)
    outcome = tier_review.review(
        current, member.qualifying, run.today, run.program.tier_window_days, levels, member.tier_since
    )
    # Paid memberships end here too (the TIER day is also their end's): the tier held may drop with one.
    kept, ended = memberships.ended_by_time(member, run.now)
    next_day = memberships.soonest(outcome.next_review, kept.memberships, run.program, run.today)
    assert next_day is not None  # a review always gives a day
    if not outcome.changed and outcome.tier_since == member.tier_since and not ended:
        return Done(Reviewed(current.name, current.name, next_day, moved_only=True))
    after = replace(
        kept,
        tier=outcome.tier.name,
        tier_since=outcome.tier_since,
        due=replace(member.due, tier_review=next_day),
    )
    change: MemberChange[None] = MemberChange(
        member,
        after,
        rfc3339(run.now),
        [*ended, *memberships.tier_events(member, after, run.program, run.now, ending=True)],
        booking=Booking(None, run.today.isoformat()),
    )
    return Planned(change, Reviewed(current.name, outcome.tier.name, next_day))


JOBS = {"tier_review": EachDue("tier_review", "TIER", by_member(review), "review a tier")}
