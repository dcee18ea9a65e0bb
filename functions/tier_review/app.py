"""TierReviewFunction: the daily run that reviews the tiers whose review day has come (EventBridge Scheduler)."""

from loyalty.entrypoints import jobs

handler = jobs.scheduled_handler(["tier_review"], answer="tier_review")
