"""Webhook subscriptions (admin routes) and the delivery queue's messages."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field

from loyalty.models.common import ApiModel, Bool, Timestamp
from loyalty.models.events import EVENT_TYPES


def _known_types(events: list[str]) -> list[str]:
    if "*" in events and len(events) > 1:
        raise ValueError('"*" stands alone: it already means every event type')
    unknown = sorted(set(events) - {*EVENT_TYPES, "*"})
    if unknown:
        raise ValueError(f"unknown event types {unknown}; known: {', '.join(EVENT_TYPES)}")
    return list(dict.fromkeys(events))


class WebhookRequest(ApiModel):
    url: Annotated[str, Field(min_length=8, max_length=2048, description="https URL of a public host.")]
    events: Annotated[
        list[str],
        Field(min_length=1, max_length=len(EVENT_TYPES), description='Event types to send, or ["*"] for all.'),
        AfterValidator(_known_types),
    ]
    active: Bool = True


class Webhook(BaseModel):
    webhook_id: str
    url: str
    events: list[str]
    active: bool
    created_at: Timestamp
    updated_at: Timestamp


class WebhookCreated(Webhook):
    secret: str = Field(description="whsec_...: the signing secret, shown this once (Standard Webhooks).")


class Delivery(BaseModel):
    delivery_id: str
    event_id: str
    type: str
    status: Literal["pending", "delivered", "failed"]
    attempts: int
    last_status: int | None = Field(description="The subscriber's last HTTP status; null when it gave none.")
    last_error: str | None = Field(default=None, description="Why the last attempt got no answer (e.g. timeout).")
    next_attempt_at: Timestamp | None


class DeliveryMessage(BaseModel):
    """A delivery queue message: which delivery, and the exact envelope text to send."""

    type: Literal["webhook.delivery"] = "webhook.delivery"
    webhook_id: str
    event_id: str
    occurred_at: str
    body: str
