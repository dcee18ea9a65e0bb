"""Webhook subscriptions (admin routes) and the delivery queue's messages."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from loyalty.models.common import ApiModel, Bool, Model, Timestamp
from loyalty.models.event_types import EVENT_TYPES


def _known_types(events: list[str]) -> list[str]:
    if "*" in events and len(events) > 1:
        raise ValueError('"*" stands alone: it already means every event type')
    unknown = sorted(set(events) - {*EVENT_TYPES, "*"})
    if unknown:
        raise ValueError(f"unknown event types {unknown}; known: {', '.join(EVENT_TYPES)}")
    return list(dict.fromkeys(events))


# The schema lists the types; the validator also refuses "*" beside others and drops repeats.
EventTypeName = Annotated[str, Field(json_schema_extra={"enum": ["*", *EVENT_TYPES]})]


class WebhookRequest(ApiModel):
    url: Annotated[
        str,
        Field(
            min_length=8,
            max_length=2048,
            pattern=r"^https?://",
            description="An https URL of a public host: no credentials in it, a valid port, and a host that "
            "resolves only to public addresses (422 otherwise). The local stack also allows http on loopback.",
        ),
    ]
    events: Annotated[
        list[EventTypeName],
        Field(
            min_length=1,
            max_length=len(EVENT_TYPES),
            description='Event types to send, or ["*"] for all ("*" stands alone; 422 otherwise).',
        ),
        AfterValidator(_known_types),
    ]
    active: Bool = True


class Webhook(Model):
    webhook_id: str
    url: str
    events: list[str]
    active: bool
    created_at: Timestamp
    updated_at: Timestamp


class WebhookCreated(Webhook):
    secret: str = Field(description="whsec_...: the signing secret, shown this once (Standard Webhooks).")


class SecretRotated(Model):
    secret: str = Field(
        description="whsec_...: the new signing secret, shown this once. The secret it replaces still signs "
        "beside it (two signatures in webhook-signature) for 24 hours, then it signs alone."
    )


class Delivery(Model):
    delivery_id: str
    event_id: str
    type: str
    status: Literal["pending", "delivered", "failed"]
    attempts: int
    last_status: int | None = Field(description="The subscriber's last HTTP status; null when it gave none.")
    last_error: str | None = Field(default=None, description="Why the last attempt got no answer (e.g. timeout).")
    next_attempt_at: Timestamp | None


class DeliveryMessage(Model):
    """A delivery queue message: which delivery, and the exact envelope text to send."""

    type: Literal["webhook.delivery"] = "webhook.delivery"
    webhook_id: str
    event_id: str
    occurred_at: str
    body: str
    # The subscription's created_at when the event was fanned out: a webhook deleted and created again
    # under the same id is another subscription, which this delivery is not for. None: queued before it.
    webhook_created_at: str | None = None
