"""The shoppers' front door: member tokens, the ``/v1/me`` views, member cards."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator

from loyalty.models.challenges import Badge
from loyalty.models.common import ApiModel, Int, Model, Timestamp
from loyalty.models.member import Expiring, NextTier
from loyalty.models.perks import HeldMembership, Perk
from loyalty.models.reward import Reward

TokenScope = Literal["read", "redeem"]


class TokenRequest(ApiModel):
    """POST /v1/members/{member_id}/tokens (storefront key): a token for this one member."""

    ttl_seconds: Annotated[Int, Field(ge=60, le=86_400, description="How long the token works.")] = 3600
    scope: Annotated[
        list[TokenScope],
        Field(
            min_length=1,
            max_length=2,
            json_schema_extra={"uniqueItems": True},
            description="read: the /v1/me views; redeem: POST /v1/me/redemptions.",
        ),
    ] = Field(default_factory=lambda: list[TokenScope](["read", "redeem"]))

    @field_validator("scope")
    @classmethod
    def _unique(cls, value: list[TokenScope]) -> list[TokenScope]:
        if len(set(value)) != len(value):
            raise ValueError("each scope once")
        return value


class TokenCreated(Model):
    token: str = Field(description="Send it as 'Authorization: Bearer <token>' to the /v1/me routes (a JWT, HS256).")
    expires_at: Timestamp


class MeTier(Model):
    name: str
    multiplier: float
    perks: list[Perk] = Field(
        default_factory=list, description="What the member gets besides points: its tier's perks and its memberships'."
    )


class MePoints(Model):
    available: int
    pending: int
    value_minor: int = Field(description="What the available points are worth: available x point_value_minor, floored.")
    currency: str


class Me(Model):
    """GET /v1/me: what a shopper sees first."""

    member_id: str
    name: str | None
    tier: MeTier
    next_tier: NextTier | None
    points: MePoints
    expiring: list[Expiring]
    referral_code: str
    card_code: str | None = Field(description="The member card's code (the widget shows it as a QR code).")
    badges: list[Badge] = Field(default_factory=list, description="Badges of completed challenges, one per badge.")
    memberships: list[HeldMembership] = Field(default_factory=list, description="Paid memberships that last now.")


class MeReward(Reward):
    affordable: bool = Field(description="The member holds enough points that are still valid, and its tier is enough.")
    points_missing: int = Field(description="Points the member still needs for it (0 when it has enough).")
    redeemable_from: Timestamp | None = Field(
        default=None, description="When this member may redeem it (its early access, else available_from)."
    )


class EarnRule(Model):
    kind: Literal["category", "sku", "campaign", "event", "referral", "challenge", "signup"]
    label: str
    points: int | None = Field(default=None, description="Points credited once (a bonus, an event, a referral).")
    multiplier: float | None = Field(default=None, description="The multiplier on the points an order earns.")
    ends_at: Timestamp | None = Field(default=None, description="When it stops (a campaign's end).")


class WaysToEarn(Model):
    points_per_unit: str = Field(description="Points per 1.00 of currency, a decimal string.")
    currency: str
    rules: list[EarnRule]


class BalanceLot(Model):
    expires_on: str | None = Field(description="The last day (YYYY-MM-DD, program timezone); null: never expires.")
    remaining: int


class PendingPoints(Model):
    order_id: str
    points: int
    available_at: Timestamp


class Balance(Model):
    """GET /v1/me/balance: the available points by expiry day (the remainders add up to ``available``)."""

    available: int
    lots: list[BalanceLot]
    pending: list[PendingPoints]


class CardReplace(ApiModel):
    """POST /v1/members/{member_id}/card: optional. Name the card to replace so that a retried request
    answers the card its first attempt issued (200) instead of issuing another."""

    replaces: (
        Annotated[
            str,
            Field(
                max_length=64,
                # A card code as a cashier may type it: its letters and digits in either case, with spaces
                # or dashes anywhere (loyalty.domain.cards.normalise takes exactly these).
                pattern=r"^[ -]*(?:[2-9A-HJKMNP-TV-Za-hjkmnp-tv-z][ -]*){10,16}$",
                description="The code to replace, as typed.",
            ),
        ]
        | None
    ) = None


class MemberCard(Model):
    member_id: str
    card_code: str = Field(description="10 to 16 characters; looked up as typed (case, spaces and dashes ignored).")
    issued_at: Timestamp
