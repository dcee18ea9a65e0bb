"""Order and refund bodies (API and queue) and their answers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal, Self

from pydantic import AfterValidator, BaseModel, Field, model_validator

from loyalty.models.common import ApiModel, ClientId, Rfc3339, Timestamp
from loyalty.models.integrations import IntegrationWebhook
from loyalty.models.member import Member

Label = Annotated[str, Field(min_length=1, max_length=64)]
Positive = Annotated[int, Field(gt=0, le=1_000_000, strict=True)]
Minor = Annotated[int, Field(ge=0, le=10**12, strict=True)]


def _plausible(moment: datetime) -> datetime:
    """Orders from the year 2000 to 2999: anything else is a client bug, and expiry dates computed
    from the calendar's edges would overflow."""
    if not 2000 <= moment.astimezone(UTC).year <= 2999:
        raise ValueError("placed_at must be between the years 2000 and 2999")
    return moment


class OrderLineIn(ApiModel):
    sku: Label
    category: Label
    quantity: Positive
    unit_price_minor: Minor
    discount_minor: Minor = Field(
        default=0,
        description="A discount of this line alone (e.g. Shopify's discount_allocations), at most the line's amount.",
    )

    @model_validator(mode="after")
    def _discount_within_amount(self) -> Self:
        if self.discount_minor > self.unit_price_minor * self.quantity:
            raise ValueError("discount_minor must not exceed unit_price_minor x quantity")
        return self


class OrderRequest(ApiModel):
    order_id: ClientId
    member_id: ClientId
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    placed_at: Annotated[Rfc3339, AfterValidator(_plausible)]
    lines: Annotated[list[OrderLineIn], Field(min_length=1, max_length=100)]
    discount_minor: Minor = 0


class BreakdownLine(BaseModel):
    sku: str
    points: int
    rules: list[str]


class BonusOut(BaseModel):
    campaign_id: str
    points: int


class OrderAccrued(BaseModel):
    order_id: str
    member_id: str
    points: int
    status: Literal["pending", "available"]
    available_at: Timestamp
    breakdown: list[BreakdownLine]
    bonuses: list[BonusOut] = Field(default_factory=list, description="Campaign bonus points, once per order.")
    member: Member


class RefundLineIn(ApiModel):
    sku: Label
    quantity: Positive


class RefundRequest(ApiModel):
    """Either ``lines`` (what was returned) or ``amount_minor`` (money given back), not both."""

    refund_id: ClientId
    lines: Annotated[list[RefundLineIn], Field(min_length=1, max_length=100)] | None = None
    amount_minor: Annotated[int, Field(gt=0, le=10**12, strict=True)] | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Self:
        if (self.lines is None) == (self.amount_minor is None):
            raise ValueError("send either lines or amount_minor")
        return self


class RefundResult(BaseModel):
    refund_id: str
    order_id: str
    points_reversed: int
    member: Member


class OrderCompleted(ApiModel):
    type: Literal["order.completed"]
    order: OrderRequest


class OrderRefunded(ApiModel):
    type: Literal["order.refunded"]
    order_id: ClientId
    refund: RefundRequest


class AccrualMessage(BaseModel):
    """An accrual queue message body: a completed or a refunded order, or a verified platform webhook."""

    message: Annotated[OrderCompleted | OrderRefunded | IntegrationWebhook, Field(discriminator="type")]
