"""The table stream's records: first the books each write keeps on a durable item -> the accounting day
items, exactly once (services.books), then each member write's outbox -> EventBridge and webhook
deliveries, and each referral the stream shows completed -> credited (services.events says how).

Lambda's DynamoDB event source (FilterCriteria: member profile records, records of an item keeping
books, completed referrals) hands a batch of one shard in stream order, naming the shard (``shardId``:
the mapping's tumbling window gives it, and expects a ``state`` back); the answer names the first
record that failed, so Lambda retries from it and later events of the same member never overtake it.
The books of a retried batch are not taken in again: they are at or below the shard's checkpoint; the
impact aggregates (services.impact: orders, refunds, guest orders, members) the same, with their own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from loyalty.entrypoints import lazy
from loyalty.entrypoints.observability import Handler, logger, metrics, observed

if TYPE_CHECKING:
    from loyalty.services import books, events, impact
else:  # imported on first use: see loyalty.entrypoints.lazy
    books = lazy.module("loyalty.services.books")
    impact = lazy.module("loyalty.services.impact")
    events = lazy.module("loyalty.services.events")


def publish(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    booked = books.keep(event)
    if booked:
        metrics.add_metric(name="BooksTakenIn", unit=MetricUnit.Count, value=booked)
    # The experiments and retention reports' aggregates, the same way (exactly once per shard).
    impact.keep(event)
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
    answer = published.response()
    if "window" in event:  # a tumbling window's invocation must answer a state (none is kept here)
        answer["state"] = {}
    return answer


def handler() -> Handler[dict[str, Any]]:
    """EventPublisherFunction's handler."""
    return observed(publish)
