"""Tier review: on a member's review day, their tier follows their qualifying points down (the rule,
with its grace, is in loyalty.domain.tier_review). Review days are lower bounds: a member found early
is simply given their next date."""

from __future__ import annotations

from datetime import date

from aws_lambda_powertools import Logger

from loyalty.domain import due_work, tier_review
from loyalty.domain.tiers import by_name
from loyalty.models.jobs import JobName
from loyalty.services.jobs.runner import Run, catch_up_days, each_member
from loyalty.services.ledger import balances_of
from loyalty.services.program import tier_levels
from loyalty.store import due as due_store
from loyalty.store import keys
from loyalty.store.client import Item

logger = Logger(child=True)

ATTEMPTS = 5


class TierReviews:
    name: JobName = "tier_review"
    kind = "TIER"

    def days(self, run: Run) -> list[date]:
        return due_work.window(run.today, catch_up_days())

    def handle(self, items: list[Item], day: str, run: Run) -> None:
        each_member(items, "GSI4", run, review, "review a tier")


def review(member_id: str, profile: Item | None, seen_pk: str, run: Run) -> None:
    levels = tier_levels(run.program)
    window = run.program.tier_window_days
    for _ in range(ATTEMPTS):
        if profile is None or profile.get("GSI4PK") != seen_pk:
            return  # gone, or its review was moved since the index was read: that date stands
        if profile.get("status", "active") != "active":
            due_store.move_member_key(member_id, "GSI4", seen_pk, None)
            return
        current = by_name(profile.get("tier"), levels)
        earned = balances_of(profile).earned_by_day
        outcome = tier_review.review(current, earned, run.today, window, levels, profile.get("tier_since"))
        run.counts["tier_reviews"] += 1
        next_keys = keys.tier_review(outcome.next_review.isoformat(), member_id) if outcome.next_review else None
        if not outcome.changed:
            if outcome.tier_since != profile.get("tier_since") or next_keys is None:
                done = due_store.change_tier(
                    member_id, int(profile.get("version", 0)), current.name, outcome.tier_since, next_keys
                )
            else:
                done = due_store.move_member_key(member_id, "GSI4", seen_pk, next_keys)
            if done:
                return
        elif due_store.change_tier(
            member_id, int(profile.get("version", 0)), outcome.tier.name, outcome.tier_since, next_keys
        ):
            run.counts["tier_changes"] += 1
            logger.info("tier changed", extra={"member_id": member_id, "from": current.name, "to": outcome.tier.name})
            return
        profile = due_store.get_item(keys.member(member_id))  # changed meanwhile: decide again
    run.counts["failures"] += 1


JOBS = {"tier_review": TierReviews()}
