"""Per-member rate limits: one conditional counter item per member, action and window.

``ADD attempts 1`` on the condition that the window's count is below the limit: DynamoDB decides, so
any number of Lambda processes share one count (a count kept in memory would be per process). The item
sits in the member's partition (outside its ``PROFILE`` prefix: the member's Query never reads it),
holds no personal data, and goes with its ``ttl`` a day after its window.
"""

from __future__ import annotations

from botocore.exceptions import ClientError

from loyalty.store import keys
from loyalty.store.client import condition_failed, dynamodb, table_name, to_item, to_value

KEEP_SECONDS = 86_400  # how long after its window a counter stays (DynamoDB's TTL deletes it after that)


def take(member_id: str, action: str, limit: int, window_seconds: int, now: int) -> int | None:
    """Count one attempt at ``action`` now (epoch seconds); None when it is allowed, else the seconds
    until the window ends (the Retry-After of the refusal). The refused attempt is not counted."""
    window = now // window_seconds
    ends = (window + 1) * window_seconds
    try:
        dynamodb().update_item(
            TableName=table_name(),
            Key=to_item(keys.attempts(member_id, action, window)),
            UpdateExpression="ADD #n :one SET #ttl = if_not_exists(#ttl, :ttl)",
            ConditionExpression="attribute_not_exists(#n) OR #n < :limit",
            ExpressionAttributeNames={"#n": "attempts", "#ttl": "ttl"},
            ExpressionAttributeValues={
                ":one": to_value(1),
                ":limit": to_value(limit),
                ":ttl": to_value(ends + KEEP_SECONDS),
            },
        )
    except ClientError as error:
        if not condition_failed(error):
            raise
        return max(ends - now, 1)
    return None
