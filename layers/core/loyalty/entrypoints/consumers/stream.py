"""The table stream's records: each member write's outbox -> EventBridge and webhook deliveries, and
each referral the stream shows completed -> credited (services.events says how).

Lambda's DynamoDB event source (FilterCriteria: member profile records only) hands a batch in stream
order; the answer names the first record that failed, so Lambda retries from it and later events of
the same member never overtake it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from loyalty.entrypoints import lazy
from loyalty.entrypoints.observability import Handler, logger, metrics, observed

if TYPE_CHECKING:
    from loyalty.services import events
else:  # imported on first use: see loyalty.entrypoints.lazy
    events = lazy.module("loyalty.services.events")


def publish(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    published = events.publish(event.get("Records") or [])
    metrics.add_metric(name="EventsPublished", unit=MetricUnit.Count, value=len(published.events))
    metrics.add_metric(name="WebhookDeliveriesQueued", unit=MetricUnit.Count, value=published.deliveries)
    metrics.add_metric(name="ReferralsSettled", unit=MetricUnit.Count, value=published.referrals_settled)
    if published.referrals_deferred:
        metrics.add_metric(name="ReferralsDeferred", unit=MetricUnit.Count, value=published.referrals_deferred)
    if published.failed_sequence:
        metrics.add_metric(name="PublishFailures", unit=MetricUnit.Count, value=1)
    for envelope in published.events:
        logger.debug("event published", extra={"event_id": envelope.id, "type": envelope.type})
    return published.response()


def handler() -> Handler[dict[str, Any]]:
    """EventPublisherFunction's handler."""
    return observed(publish)
