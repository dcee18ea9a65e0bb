"""CloudWatch metric names of the daily jobs, in one place (the API's are in adapters/metrics.py)."""

from __future__ import annotations

from collections.abc import Mapping

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit

# What a run counts -> the metric it is published as. Anything else a run counts is only logged.
NAMES = {
    "orders_matured": "OrdersMatured",
    "points_matured": "PointsMatured",
    "referrals_completed": "ReferralsCompleted",
    "referral_milestones": "ReferralMilestonesReached",
    "days_expired": "DaysExpired",
    "points_expired": "PointsExpired",
    "tier_reviews": "TierReviews",
    "tier_changes": "TierChanges",
    "emails_sent": "EmailsSent",
    "emails_failed": "EmailsFailed",
    "failures": "JobItemFailures",
    "items_read": "DueItemsRead",
    "shards_queued": "JobShardsQueued",
    "months_closed": "MonthsClosed",
    "events_failed": "PlatformEventsFailed",
}


def publish(sink: Metrics, counts: Mapping[str, int]) -> None:
    for key, name in NAMES.items():
        if counts.get(key):
            sink.add_metric(name=name, unit=MetricUnit.Count, value=counts[key])
