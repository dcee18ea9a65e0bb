"""Admin adjustments: signed points with a reason."""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import Field, model_validator

from loyalty.models.common import ApiModel, ClientId, Int


class AdjustmentRequest(ApiModel):
    adjustment_id: ClientId
    points: Annotated[
        Int, Field(ge=-(10**9), le=10**9, description="Signed, never 0.", json_schema_extra={"not": {"const": 0}})
    ]
    reason: Annotated[str, Field(min_length=1, max_length=500)]

    @model_validator(mode="after")
    def _not_zero(self) -> Self:
        if self.points == 0:
            raise ValueError("points must not be 0")
        return self
