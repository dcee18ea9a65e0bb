"""Engagement beyond points (contract v1.2): tier perks, paid memberships and rewards' early access.

A perk is what a checkout applies without a table of its own (free shipping, a discount); a paid
membership is a SKU that, bought on an order, holds a member at a tier floor with its perks for a
number of calendar months (loyalty.domain.memberships).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal, Self

from pydantic import ConfigDict, Field, model_validator

from loyalty.models.common import ApiModel, ClientId, Int, Model, Rfc3339, Timestamp

if TYPE_CHECKING:
    from loyalty.models.program import Program

Label = Annotated[str, Field(min_length=1, max_length=64)]
PerkKind = Literal["free_shipping", "early_access", "discount_percent", "custom"]


class Perk(ApiModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"description": "A discount_percent perk needs value (1 to 100)."}
    )

    perk_id: ClientId
    kind: PerkKind
    label: Label
    value: Annotated[Int, Field(ge=0, le=10**9, description="The percent of a discount_percent perk.")] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.kind == "discount_percent" and (self.value is None or not 1 <= self.value <= 100):
            raise ValueError("a discount_percent perk needs value from 1 to 100")
        return self


Perks = Annotated[
    list[Perk], Field(max_length=20, description="At most 20; perk ids are unique within a tier or a membership.")
]


class Membership(ApiModel):
    """A paid membership sold as ``sku``: each unit on an order grants ``months`` calendar months."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "description": "Each unit of sku on an order grants months calendar months. Across the program, "
            "membership ids and skus are unique, and a membership's tier is one of the program's tiers."
        },
    )

    membership_id: ClientId
    label: Label
    sku: Label
    months: Annotated[Int, Field(ge=1, le=120)]
    tier: Label | None = Field(default=None, description="The tier the member holds at least while it lasts.")
    perks: Perks = Field(default_factory=list)


class EarlyAccess(ApiModel):
    """Members of ``tier`` or a higher one may redeem the reward from ``from`` (before available_from)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, serialize_by_alias=True)

    tier: Label
    from_: Rfc3339 = Field(alias="from")


class EarlyAccessOut(Model):
    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    tier: str
    from_: Timestamp = Field(alias="from")


class HeldMembership(Model):
    membership_id: str
    until: Timestamp = Field(description="When it ends (exclusive), at a midnight of the program's timezone.")


def check_program(program: Program) -> None:
    """What the engagement settings must agree on with the rest of the program."""
    names = {tier.name for tier in program.tiers}
    ids = [m.membership_id for m in program.memberships]
    skus = [m.sku for m in program.memberships]
    if len(set(ids)) != len(ids) or len(set(skus)) != len(skus):
        raise ValueError("membership_id and sku values of memberships must be unique")
    if any(m.tier is not None and m.tier not in names for m in program.memberships):
        raise ValueError("a membership's tier must be one of the program's tiers")
    perk_lists = [tier.perks for tier in program.tiers] + [m.perks for m in program.memberships]
    if any(len({perk.perk_id for perk in perks}) != len(perks) for perks in perk_lists):
        raise ValueError("perk_id values must be unique within a tier or a membership")
