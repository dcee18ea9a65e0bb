"""Inbound commerce connections (admin routes), the accrual queue's message for a platform webhook, and
the platform events an admin sees. The platforms' payloads are in loyalty.models.platform_payloads,
which only the integrations' consumer loads: every function that reads an order message loads this."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import Field, model_validator

from loyalty.models.common import ApiModel, Bool, Model, Timestamp

Platform = Literal["shopify", "woocommerce"]
Label = Annotated[str, Field(min_length=1, max_length=64)]


class ConnectionRequest(ApiModel):
    platform: Platform
    secret: Annotated[
        str,
        Field(
            min_length=8,
            max_length=512,
            description="The platform's webhook signing secret (Shopify: the app's client secret or the "
            "store's webhook signing key; WooCommerce: the webhook's secret). Never shown again.",
        ),
    ]
    match_members_by: Literal["email", "customer_id"]
    auto_enroll: Bool
    category_by_sku: Annotated[dict[Label, Label], Field(max_length=10_000)] | None = None
    proxy_secret: (
        Annotated[
            str,
            Field(
                min_length=8,
                max_length=512,
                description="Shopify: the app's client secret, which signs its App Proxy requests "
                "(GET /v1/integrations/{connection_id}/proxy/{path}); absent: secret. Never shown again.",
            ),
        ]
        | None
    ) = None


class Connection(Model):
    connection_id: str
    platform: Platform
    match_members_by: Literal["email", "customer_id"]
    auto_enroll: bool
    category_by_sku: dict[str, str]
    webhook_path: str = Field(description="Where the platform must post its webhooks (under the API's URL).")
    created_at: Timestamp
    updated_at: Timestamp


class WebhookReceipt(Model):
    status: Literal["queued", "ignored", "ping"]


class IntegrationWebhook(ApiModel):
    """An accrual queue message: a verified platform webhook, its raw body kept as text."""

    type: Literal["integration.webhook"]
    connection_id: Annotated[str, Field(min_length=1, max_length=128)]
    platform: Platform
    topic: Annotated[str, Field(min_length=1, max_length=128)]
    delivery_id: Annotated[str, Field(max_length=256)] | None = None
    received_at: str
    payload: str = Field(default="", description="The raw body (messages queued before bodies went to the bucket).")
    body_key: Annotated[str, Field(pattern=r"^inbound/[A-Za-z0-9._/-]{1,200}$")] | None = Field(
        default=None, description="Where the raw body waits in the stack's bucket (the consumer reads it there)."
    )

    @model_validator(mode="after")
    def _has_body(self) -> Self:
        if not self.payload and self.body_key is None:
            raise ValueError("an integration webhook needs its payload or a body_key")
        return self


PlatformEventStatus = Literal["held", "failed", "applied", "skipped", "dismissed"]


class PlatformEvent(Model):
    """A platform event that could not be applied when it came (GET .../events), and what became of it."""

    event_id: str = Field(description="The event's id: the refund's, as we name it (`shopify:<refund id>`).")
    connection_id: str
    platform: Platform
    topic: str = Field(description="The webhook topic that brought it (`refunds/create`, `order.updated`).")
    kind: Literal["refund"] = Field(description="What it asks: a refund (a cancellation or a return is one).")
    order_id: str = Field(description="The order it belongs to, as we name it (`shopify:<order id>`).")
    refund_id: str
    status: PlatformEventStatus = Field(
        description="`held`: waiting for its order; `failed`: cannot be applied (see `reason`); `applied`; "
        "`skipped`: nothing to apply (the order credits nobody); `dismissed` by an admin."
    )
    reason: str | None = Field(
        description="Why it is not applied: `order_not_arrived`, `refund_exceeds_order`, `member_erased`, "
        "`order_not_credited`, `idempotency_conflict`, `dismissed`."
    )
    attempts: int = Field(description="How many times it was tried.")
    fails_on: str | None = Field(description="A held event's last day of waiting for its order (YYYY-MM-DD).")
    received_at: Timestamp
    updated_at: Timestamp
