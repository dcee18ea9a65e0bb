"""Member request bodies and the Member resource of the contract."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import Field, model_validator
from pydantic.json_schema import SkipJsonSchema

from loyalty.models.challenges import Badge
from loyalty.models.common import ApiModel, Bool, ClientId, Email, Model, Timestamp
from loyalty.models.perks import HeldMembership, Perk

Name = Annotated[str, Field(min_length=1, max_length=200)]
# BCP 47 language tag, e.g. "en", "fr-CA".
Locale = Annotated[str, Field(pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$", max_length=35)]
ReferralCode = Annotated[str, Field(pattern=r"^[23456789A-Z]{4,32}$")]


class EnrollRequest(ApiModel):
    member_id: ClientId
    email: Email
    name: Name | None = None
    marketing_opt_in: Bool = False
    locale: Locale | None = None
    referral_code: ReferralCode | None = Field(
        default=None, description="The referral code of an existing member who referred this one (422 otherwise)."
    )


class MemberPatch(ApiModel):
    """Only the fields sent change; ``name`` and ``locale`` may be cleared with null (``email`` and
    ``marketing_opt_in`` may not, so the document shows no null for them)."""

    email: Email | SkipJsonSchema[None] = None
    name: Name | None = None
    marketing_opt_in: Bool | SkipJsonSchema[None] = None
    locale: Locale | None = None
    consent_source: Literal["api"] | SkipJsonSchema[None] = Field(
        default=None,
        description=(
            "Say that the member gave this consent now. A member who unsubscribed through an email's link is "
            "opted in again only by a request that carries it: a PATCH that merely repeats a stale profile "
            "leaves marketing_opt_in false."
        ),
    )

    @model_validator(mode="after")
    def _required_values(self) -> Self:
        for field_name in ("email", "marketing_opt_in", "consent_source"):
            if field_name in self.model_fields_set and getattr(self, field_name) is None:
                raise ValueError(f"{field_name} cannot be null")
        return self


class Tier(Model):
    name: str
    multiplier: float
    perks: list[Perk] = Field(
        default_factory=list, description="What the member gets besides points: its tier's perks and its memberships'."
    )


class NextTier(Model):
    name: str
    points_needed: int
    threshold: int = Field(
        description="The qualifying points the tier asks for: points_needed is what is left of it (a progress bar)."
    )


class Points(Model):
    available: int
    pending: int
    lifetime_earned: int
    qualifying: int


class Expiring(Model):
    points: int
    expires_on: str = Field(description="Date (YYYY-MM-DD) in the program's timezone, end of day.")


class Member(Model):
    member_id: str
    email: str | None
    name: str | None
    status: Literal["active", "erased", "merged"]
    provisional: bool = Field(
        default=False,
        description=(
            "Enrolled automatically by a platform's checkout, not by the owner of the email: a POST /v1/members "
            "with that email takes it over (status merged)."
        ),
    )
    merged_into: str | None = Field(default=None, description="With status merged: the member that took it over.")
    enrolled_at: Timestamp
    last_activity_at: Timestamp
    marketing_opt_in: bool
    locale: str | None
    referral_code: str
    tier: Tier
    next_tier: NextTier | None
    points: Points
    expiring: list[Expiring]
    group: Literal["treatment", "holdout"] = Field(
        default="treatment",
        description="The member's group in the program's holdout, drawn at enrollment and kept for life (a member "
        "enrolled without a holdout: treatment). For the shop and its admins: the member's own views (/v1/me) "
        "never show it.",
    )
    badges: list[Badge] = Field(default_factory=list, description="Badges of completed challenges, one per badge.")
    memberships: list[HeldMembership] = Field(
        default_factory=list, description="Paid memberships that last now (a tier floor and perks while they do)."
    )


class NextMilestone(Model):
    count: int = Field(description="Completed referrals at which the bonus is paid.")
    bonus_points: int


class MemberReferrals(Model):
    """GET /v1/members/{member_id}/referrals."""

    referral_code: str
    completed: int = Field(description="Referrals completed (the referee's first qualifying order matured).")
    pending: int = Field(description="Members enrolled with this code whose referral is not completed yet.")
    next_milestone: NextMilestone | None = Field(description="The next milestone still to reach, if any.")
