"""Rewards (the catalog) and redemptions (vouchers)."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import Field, model_validator

from loyalty.models.common import ApiModel, Bool, ClientId, Model, Rfc3339, Timestamp
from loyalty.models.member import Member

RewardKind = Literal["discount_fixed", "discount_percent", "free_product", "voucher"]
Count = Annotated[int, Field(ge=0, le=10**9, strict=True)]


class RewardFields(Model):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    kind: RewardKind
    cost_points: Annotated[int, Field(ge=1, le=10**9, strict=True)]
    value_minor: Annotated[int, Field(ge=1, le=10**12, strict=True)] | None = None
    percent: Annotated[int, Field(ge=1, le=100, strict=True)] | None = None
    sku: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    active: Bool = True
    available_from: Rfc3339 | None = None
    available_until: Rfc3339 | None = None
    per_member_limit: Annotated[int, Field(ge=1, le=10**6, strict=True)] | None = None
    min_tier: Annotated[str, Field(min_length=1, max_length=64)] | None = None


class RewardPut(ApiModel, RewardFields):
    """PUT /v1/admin/rewards/{reward_id}: the whole reward; ``stock`` null means unlimited."""

    stock: Count | None = None

    @model_validator(mode="after")
    def _kind_fields(self) -> Self:
        needs = {"discount_fixed": "value_minor", "discount_percent": "percent", "free_product": "sku"}
        field_name = needs.get(self.kind)
        if field_name is not None and getattr(self, field_name) is None:
            raise ValueError(f"a {self.kind} reward needs {field_name}")
        if self.available_from and self.available_until and self.available_until <= self.available_from:
            raise ValueError("available_until must be after available_from")
        return self


class Reward(RewardFields):
    reward_id: str
    available_from: Timestamp | None = None
    available_until: Timestamp | None = None
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
