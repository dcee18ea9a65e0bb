"""Rewards (the catalog) and redemptions (vouchers)."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import ConfigDict, Field, model_validator

from loyalty.models.common import ApiModel, Bool, ClientId, Int, Model, Rfc3339, Timestamp, not_null
from loyalty.models.member import Member
from loyalty.models.perks import EarlyAccess, EarlyAccessOut

RewardKind = Literal["discount_fixed", "discount_percent", "free_product", "voucher"]
Count = Annotated[Int, Field(ge=0, le=10**9)]


class RewardFields(Model):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    kind: RewardKind
    cost_points: Annotated[Int, Field(ge=1, le=10**9)]
    value_minor: Annotated[Int, Field(ge=1, le=10**12)] | None = None
    percent: Annotated[Int, Field(ge=1, le=100)] | None = None
    sku: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    active: Bool = True
    available_from: Rfc3339 | None = None
    available_until: Rfc3339 | None = None
    per_member_limit: Annotated[Int, Field(ge=1, le=10**6)] | None = None
    min_tier: (
        Annotated[
            str,
            Field(min_length=1, max_length=64, description="The name of one of the program's tiers (422 otherwise)."),
        ]
        | None
    ) = None
    early_access: Annotated[list[EarlyAccess], Field(max_length=20)] | None = Field(
        default=None,
        description="Before available_from (which it needs), members of an entry's tier or a higher one may "
        "redeem from its 'from' (before available_from); others wait for available_from. Each entry's tier "
        "is one of the program's tiers (422 otherwise).",
    )


# The field each kind needs (a discount's value, a free product's sku), in the model and in the document.
KIND_NEEDS = {"discount_fixed": "value_minor", "discount_percent": "percent", "free_product": "sku"}


class RewardPut(ApiModel, RewardFields):
    """PUT /v1/admin/rewards/{reward_id}: the whole reward; ``stock`` null means unlimited."""

    model_config = ConfigDict(
        json_schema_extra={
            "allOf": [
                {"if": {"properties": {"kind": {"const": kind}}}, "then": not_null(field_name)}
                for kind, field_name in KIND_NEEDS.items()
            ],
            "description": "available_until, when both are given, must be after available_from; early_access "
            "needs available_from and each entry's from before it.",
        }
    )

    stock: Count | None = None

    @model_validator(mode="after")
    def _kind_fields(self) -> Self:
        field_name = KIND_NEEDS.get(self.kind)
        if field_name is not None and getattr(self, field_name) is None:
            raise ValueError(f"a {self.kind} reward needs {field_name}")
        if self.available_from and self.available_until and self.available_until <= self.available_from:
            raise ValueError("available_until must be after available_from")
        if self.early_access and (
            self.available_from is None or any(entry.from_ >= self.available_from for entry in self.early_access)
        ):
            raise ValueError("early_access needs available_from, and each entry's from before it")
        return self


class Reward(RewardFields):
    reward_id: str
    available_from: Timestamp | None = None
    available_until: Timestamp | None = None
    early_access: list[EarlyAccessOut] | None = None  # type: ignore[assignment]
    stock_remaining: int | None = Field(description="null: unlimited")


class RedemptionRequest(ApiModel):
    redemption_id: ClientId
    reward_id: ClientId


class Redemption(Model):
    redemption_id: str
    reward_id: str
    member_id: str
    code: str
    points_spent: int
    status: Literal["issued", "used", "cancelled"]
    issued_at: Timestamp
    member: Member
