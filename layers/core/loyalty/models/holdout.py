"""The program's holdout: a share of new members who get everything the terms give every member but the
marketing that ``excludes`` names, so that what that marketing adds can be measured against them
(docs/experiments.md, "The holdout")."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import Field, model_validator

from loyalty.models.common import ApiModel, Int

Excluded = Literal["campaigns", "reengagement_emails", "expiry_reminders"]
DEFAULT_EXCLUDES: tuple[Excluded, ...] = ("campaigns", "reengagement_emails")


class HoldoutSettings(ApiModel):
    percent: Annotated[
        Int,
        Field(
            ge=0,
            le=50,
            description="The share of members enrolled from now on drawn into the holdout (each member's draw is "
            "made once, at enrollment, from its member_id, and kept for life; members enrolled before keep "
            "theirs: treatment).",
        ),
    ]
    excludes: Annotated[
        list[Excluded],
        Field(
            max_length=3,
            description="What a holdout member does not get; everything else (earning rates, tier multipliers, "
            "signup, referral, event and challenge rewards) it gets as every member does. Names are unique.",
            json_schema_extra={"uniqueItems": True, "default": list(DEFAULT_EXCLUDES)},
        ),
    ] = Field(default_factory=lambda: list(DEFAULT_EXCLUDES))

    @model_validator(mode="after")
    def _unique(self) -> Self:
        if len(set(self.excludes)) != len(self.excludes):
            raise ValueError("excludes names each thing once")
        return self
