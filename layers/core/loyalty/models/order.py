"""Order and refund bodies (API and queue) and their answers."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import ConfigDict, Field, model_validator
from pydantic.json_schema import SkipJsonSchema

from loyalty.models.common import ApiModel, ClientId, Int, Model, Rfc3339, Timestamp
from loyalty.models.integrations import IntegrationWebhook
from loyalty.models.member import Member

Label = Annotated[str, Field(min_length=1, max_length=64)]
Positive = Annotated[Int, Field(gt=0, le=1_000_000)]
Minor = Annotated[Int, Field(ge=0, le=10**12)]


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
    model_config = ConfigDict(
        json_schema_extra={
            "description": "An order may earn at most the program's max_points_per_order, and never take a "
            "member's points beyond 2^53 - 1 (422 otherwise)."
        }
    )

    order_id: ClientId
    member_id: ClientId
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="The program's currency (422 otherwise).")]
    placed_at: Annotated[
        Rfc3339,
        Field(
            description="When the order was placed: within the program's max_order_age_days and at most "
            "5 minutes ahead of the server's clock (422 otherwise)."
        ),
    ]
    lines: Annotated[list[OrderLineIn], Field(min_length=1, max_length=100)]
    discount_minor: Minor = 0


class BreakdownLine(Model):
    sku: str
    points: int
    rules: list[str]


class BonusOut(Model):
    campaign_id: str
    points: int
    limited: bool = Field(
        default=False,
        description="True when the campaign's budget_points had less left than its bonus: points is what was left.",
    )


class OrderAccrued(Model):
    order_id: str
    member_id: str
    points: int
    status: Literal["pending", "available"]
    available_at: Timestamp
    breakdown: list[BreakdownLine]
    bonuses: list[BonusOut] = Field(default_factory=list, description="Campaign bonus points, once per order.")
    member: Member


class RefundOut(Model):
    refund_id: str
    points_reversed: int
    created_at: Timestamp


class OrderRead(OrderAccrued):
    """GET /v1/orders/{order_id}: the accrual result as first answered, and the order's refunds since."""

    refunds: list[RefundOut]


class RefundLineIn(ApiModel):
    sku: Label
    quantity: Positive


class RefundRequest(ApiModel):
    """Either ``lines`` (what was returned) or ``amount_minor`` (money given back), not both."""

    model_config = ConfigDict(json_schema_extra={"oneOf": [{"required": ["lines"]}, {"required": ["amount_minor"]}]})

    refund_id: ClientId
    lines: Annotated[list[RefundLineIn], Field(min_length=1, max_length=100)] | SkipJsonSchema[None] = None
    amount_minor: Annotated[Int, Field(gt=0, le=10**12)] | SkipJsonSchema[None] = None

    @model_validator(mode="after")
    def _one_kind(self) -> Self:
        for field_name in ("lines", "amount_minor"):
            if field_name in self.model_fields_set and getattr(self, field_name) is None:
                raise ValueError(f"{field_name} cannot be null: leave it out")
        if (self.lines is None) == (self.amount_minor is None):
            raise ValueError("send either lines or amount_minor")
        return self


class RefundResult(Model):
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


class AccrualMessage(Model):
    """An accrual queue message body: a completed or a refunded order, or a verified platform webhook."""

    message: Annotated[OrderCompleted | OrderRefunded | IntegrationWebhook, Field(discriminator="type")]
