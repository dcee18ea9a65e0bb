"""The program configuration, validated as a whole: a stored program is always a consistent one."""

from __future__ import annotations

import itertools
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ConfigDict, Field, PlainSerializer, field_validator, model_validator

from loyalty.models.challenges import Challenges
from loyalty.models.common import (
    MAX_SAFE_INTEGER,
    ApiModel,
    ClientId,
    Email,
    Int,
    Rfc3339,
    exact_decimal,
    not_null,
    one_of,
)
from loyalty.models.currencies import ISO_4217
from loyalty.models.experiments import GrossMarginRate
from loyalty.models.holdout import HoldoutSettings
from loyalty.models.perks import Membership, Perks, check_program
from loyalty.models.timezones import IANA_TIMEZONES, TIMEZONE_CONSTANTS

Name = Annotated[str, Field(min_length=1, max_length=64)]
AsNumber = PlainSerializer(float, return_type=float, when_used="json")
# A multiplier is exact (Decimal) inside, and a plain JSON number outside; in, a number or a decimal string.
MULTIPLIER_TEXT = r"^(0\.[0-9]*[1-9][0-9]*|[1-9][0-9]{0,2}(\.[0-9]+)?)$"
Multiplier = Annotated[Decimal, *exact_decimal(MULTIPLIER_TEXT, minimum=0, exclusive=True, maximum=1000), AsNumber]
# A product's multiplier may be 0: the product earns nothing (a gift card, a deposit).
PRODUCT_MULTIPLIER_TEXT = r"^[0-9]{1,3}(\.[0-9]+)?$"
ProductMultiplier = Annotated[
    Decimal, *exact_decimal(PRODUCT_MULTIPLIER_TEXT, minimum=0, exclusive=False, maximum=1000), AsNumber
]
RATE_TEXT = r"^(0\.[0-9]*[1-9][0-9]*|[1-9][0-9]{0,4}(\.[0-9]+)?|100000(\.0+)?)$"
VALUE_TEXT = r"^[0-9]{1,12}(\.[0-9]+)?$"
Count = Annotated[Int, Field(ge=0)]


class Campaign(ApiModel):
    model_config = ConfigDict(
        json_schema_extra={
            "anyOf": [not_null("multiplier"), not_null("bonus_points")],
            "description": (
                "ends_at must be after starts_at. A campaign with budget_points has bonus_points and no "
                "multiplier (the budget counts bonus points)."
            ),
        }
    )

    campaign_id: ClientId
    multiplier: Multiplier | None = None
    bonus_points: Annotated[Int, Field(ge=1)] | None = None
    categories: list[Name] | None = Field(default=None, description="Limit the multiplier to these categories.")
    starts_at: Rfc3339
    ends_at: Rfc3339
    budget_points: (
        Annotated[
            Int,
            Field(
                ge=1,
                le=MAX_SAFE_INTEGER,
                description="The most bonus points the campaign adds across all members, counted exactly under "
                "any concurrency; an order that would pass it gets what is left (its bonus says limited). Needs "
                "bonus_points and no multiplier. GET /v1/admin/campaigns/{campaign_id} shows what is left.",
            ),
        ]
        | None
    ) = None
    per_member_limit: (
        Annotated[Int, Field(ge=1, le=1_000_000, description="Orders per member that may benefit.")] | None
    ) = None
    min_order_minor: (
        Annotated[
            Int,
            Field(
                ge=0,
                le=10**12,
                description="Only orders whose net amount (after line and order discounts) reaches this, in "
                "minor units.",
            ),
        ]
        | None
    ) = None
    skus: (
        Annotated[
            list[Name],
            Field(
                min_length=1,
                max_length=100,
                description="Only orders holding one of these SKUs benefit; a multiplier applies to their lines only.",
            ),
        ]
        | None
    ) = None
    tiers: (
        Annotated[
            list[Name],
            Field(
                min_length=1,
                max_length=20,
                description="Only members of these tiers (names of the program's tiers) benefit.",
            ),
        ]
        | None
    ) = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        if self.multiplier is None and self.bonus_points is None:
            raise ValueError("a campaign needs a multiplier, bonus_points or both")
        if self.budget_points is not None and (self.bonus_points is None or self.multiplier is not None):
            raise ValueError("a campaign with budget_points has bonus_points and no multiplier")
        return self

    def active_at(self, moment: datetime) -> bool:
        """Start instant included, end instant excluded: back-to-back campaigns never overlap."""
        return self.starts_at <= moment < self.ends_at


class EventRule(ApiModel):
    """Points for something a member does besides buying (a review, a survey, a birthday the shop sends)."""

    model_config = ConfigDict(json_schema_extra={"description": "period_days needs per_member_limit."})

    type: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
    points: Annotated[Int, Field(ge=1, le=1_000_000_000)]
    per_member_limit: (
        Annotated[Int, Field(ge=1, le=1_000_000, description="Events of this type that credit a member (per period).")]
        | None
    ) = None
    period_days: (
        Annotated[
            Int,
            Field(
                ge=1,
                le=3650,
                description="The limit counts per period of this many days (consecutive periods from 1970-01-01, "
                "local days of the program's timezone, judged by occurred_at); without it the limit is for ever.",
            ),
        ]
        | None
    ) = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.period_days is not None and self.per_member_limit is None:
            raise ValueError("period_days needs per_member_limit")
        return self


class Milestone(ApiModel):
    """A bonus for the referrer when its completed referrals reach ``count``."""

    count: Annotated[Int, Field(ge=1, le=1_000_000)]
    bonus_points: Annotated[Int, Field(ge=1, le=1_000_000_000)]


class Referrals(ApiModel):
    """Referral rewards: both members are credited once the referee's first qualifying order has its
    points available (after pending days, so a returned order never completes a referral)."""

    model_config = ConfigDict(
        json_schema_extra={
            "description": "Beyond max_per_member completed referrals the referrer gets nothing more (no "
            "referrer_points, no milestone), while the referee still gets its referee_points."
        }
    )

    referrer_points: Annotated[Int, Field(ge=0, le=1_000_000_000)]
    referee_points: Annotated[Int, Field(ge=0, le=1_000_000_000)]
    min_order_minor: Annotated[
        Int, Field(ge=0, le=10**15, description="The least net total (minor units) of an order that completes it.")
    ] = 0
    milestones: Annotated[list[Milestone], Field(max_length=20)] = Field(
        default_factory=list, description="Bonuses at counts of completed referrals; counts are unique."
    )
    max_per_member: (
        Annotated[Int, Field(ge=1, le=1_000_000, description="Completed referrals a referrer is credited for.")] | None
    ) = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        counts = [milestone.count for milestone in self.milestones]
        if len(set(counts)) != len(counts):
            raise ValueError("milestone counts must be unique")
        return self

    def milestone_at(self, count: int) -> Milestone | None:
        """The milestone a referrer reaches with its ``count``-th credited referral."""
        if self.max_per_member is not None and count > self.max_per_member:
            return None
        return next((m for m in self.milestones if m.count == count), None)

    def next_milestone(self, completed: int) -> Milestone | None:
        """The next milestone a referrer with ``completed`` referrals can still reach (None: none left)."""
        ahead = [
            m
            for m in self.milestones
            if m.count > completed and (self.max_per_member is None or m.count <= self.max_per_member)
        ]
        return min(ahead, key=lambda m: m.count, default=None)


class TierRule(ApiModel):
    name: Name
    threshold: Count
    multiplier: Multiplier
    perks: Perks = Field(default_factory=list, description="What a member of this tier gets besides points.")


class EmailSettings(ApiModel):
    sender: Email
    expiring_notice_days: Annotated[Int, Field(ge=1, le=365)]
    dormant_after_days: Annotated[Int, Field(ge=1, le=3650)]
    dormant_min_points: Count
    cooldown_days: Annotated[Int, Field(ge=0, le=365)]


BREAKAGE_TEXT = r"^(0(\.[0-9]+)?|1(\.0+)?)$"
ALLOCATION = "deferred_revenue_minor: face value x (1 - breakage), or IFRS 15 relative stand-alone selling prices"
BREAKAGE_MEANING = "Expected share of outstanding points never redeemed (0 to 1); absent: estimated, docs/accounting.md"


class AccountingSettings(ApiModel):
    breakage_rate: (
        Annotated[
            Decimal,
            *exact_decimal(BREAKAGE_TEXT, minimum=0, exclusive=False, maximum=1, description=BREAKAGE_MEANING),
            AsNumber,
        ]
        | None
    ) = None
    revenue_allocation: Literal["face_value", "relative_ssp"] = Field(default="face_value", description=ALLOCATION)


class Program(ApiModel):
    model_config = ConfigDict(
        json_schema_extra={
            "description": (
                "Validated as a whole. Beyond each field's own rules: the first tier has threshold 0, thresholds "
                "increase strictly, tier names and campaign ids are unique, a campaign's tiers are names of the "
                "program's tiers, emails.sender is the deployment's verified SES identity (SenderEmail), and "
                "timezone is the one the daily jobs are scheduled in (ProgramTimezone) unless the deployment allows "
                "a mismatch."
            )
        }
    )

    currency: str = Field(description="ISO 4217 code, e.g. USD.", json_schema_extra=one_of(sorted(ISO_4217)))
    timezone: str = Field(
        description="IANA timezone (days are computed in it); x-enum-varnames names each apart (docs/clients.md).",
        json_schema_extra=one_of(IANA_TIMEZONES, TIMEZONE_CONSTANTS),
    )
    points_per_unit: Annotated[
        Decimal,
        *exact_decimal(RATE_TEXT, minimum=0, exclusive=True, maximum=100000),
        # Positional notation ("0.0000001", never "1E-7"): what goes out matches the pattern that comes in.
        PlainSerializer(lambda rate: format(rate, "f"), return_type=str, when_used="json"),
    ]
    category_multipliers: dict[Name, ProductMultiplier] = Field(default_factory=dict)
    sku_multipliers: dict[Name, ProductMultiplier] = Field(default_factory=dict)
    excluded_categories: list[Name] = Field(default_factory=list)
    campaigns: list[Campaign] = Field(default_factory=list)
    pending_days: Count
    max_order_age_days: Annotated[
        Int, Field(ge=1, le=365, description="Orders placed longer ago than this are refused.")
    ] = 30
    max_points_per_order: (
        Annotated[
            Int,
            Field(
                ge=1,
                le=MAX_SAFE_INTEGER,
                description="An order that would earn more points than this is refused (422): a guard against "
                "mistyped prices. None: only the API's bound (2^53 - 1) applies.",
            ),
        ]
        | None
    ) = None
    expiry_months: Annotated[Int, Field(ge=1, le=120)] | None
    expiry_granularity: Literal["day", "month"] = Field(
        default="day",
        description="day: points earned on day D expire at the end of D + expiry_months. month: points earned "
        "in month M expire at the end of month M + expiry_months (in the program's timezone), for points earned "
        "from the time this was set (expiry_granularity_since) on; points earned before keep their day.",
    )
    expiry_granularity_since: Rfc3339 | None = Field(
        default=None,
        description="Set by the server when expiry_granularity becomes month (a value sent is ignored): points "
        "earned from then on expire by month.",
    )
    tier_window_days: Annotated[Int, Field(ge=1, le=3650)]
    tiers: Annotated[list[TierRule], Field(min_length=1, max_length=20)]
    point_value_minor: Annotated[Decimal, *exact_decimal(VALUE_TEXT, minimum=0, exclusive=False), AsNumber]
    emails: EmailSettings
    signup_points: Annotated[
        Int, Field(ge=0, le=1_000_000_000, description="Points credited once at enrollment (a bonus entry).")
    ] = 0
    event_rules: Annotated[list[EventRule], Field(max_length=50)] = Field(
        default_factory=list,
        description="Points for member events (POST /v1/members/{member_id}/events); event types are unique.",
    )
    referrals: Referrals | None = Field(default=None, description="Referral rewards (absent: none).")
    accounting: AccountingSettings | None = None
    holdout: HoldoutSettings | None = Field(default=None, description="A holdout of new members (absent: none).")
    gross_margin_rate: GrossMarginRate | None = None  # the experiments report's incremental margin
    challenges: Challenges = Field(
        default_factory=list, description="Challenges and badges (at most 10; challenge ids unique)."
    )
    memberships: Annotated[list[Membership], Field(max_length=20)] = Field(default_factory=list)

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        if value not in ISO_4217:
            raise ValueError("not an ISO 4217 currency code in circulation")
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        if value not in IANA_TIMEZONES:
            raise ValueError("not an IANA timezone")
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError("not an IANA timezone") from error
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.tiers[0].threshold != 0:
            raise ValueError("the first tier must have threshold 0")
        thresholds = [tier.threshold for tier in self.tiers]
        if any(b <= a for a, b in itertools.pairwise(thresholds)):
            raise ValueError("tiers must be sorted by strictly increasing threshold")
        names = [tier.name for tier in self.tiers]
        if len(set(names)) != len(names):
            raise ValueError("tier names must be unique")
        campaign_ids = [campaign.campaign_id for campaign in self.campaigns]
        if len(set(campaign_ids)) != len(campaign_ids):
            raise ValueError("campaign_id values must be unique")
        types = [rule.type for rule in self.event_rules]
        if len(set(types)) != len(types):
            raise ValueError("event_rules types must be unique")
        for campaign in self.campaigns:
            if campaign.tiers is not None and not set(campaign.tiers) <= set(names):
                raise ValueError("campaign tiers must be names of the program's tiers")
        check_program(self)
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def month_expiry_from(self) -> datetime | None:
        """When points began to expire by month (None: by day)."""
        return self.expiry_granularity_since if self.expiry_granularity == "month" else None

    def event_rule(self, event_type: str) -> EventRule | None:
        return next((rule for rule in self.event_rules if rule.type == event_type), None)

    def deployment_mismatches(
        self, sender_email: str | None, schedule_timezone: str | None, allow_timezone_mismatch: bool
    ) -> list[tuple[list[str | int], str]]:
        """(loc, message) for each fact of the deployment this program contradicts: the SES identity its
        emails must come from, and the timezone the daily schedules fire in. None means "not configured"."""
        found: list[tuple[list[str | int], str]] = []
        if sender_email is not None and str(self.emails.sender).lower() != sender_email.lower():
            found.append(
                (
                    ["emails", "sender"],
                    f"must be {sender_email}, the deployment's verified SES identity (template parameter "
                    "SenderEmail): the functions may send from that address only, so mail from any other "
                    "would never be sent",
                )
            )
        if schedule_timezone is not None and not allow_timezone_mismatch and self.timezone != schedule_timezone:
            found.append(
                (
                    ["timezone"],
                    f"must be {schedule_timezone}, the timezone the daily jobs are scheduled in (template "
                    f"parameter ProgramTimezone): with {self.timezone} they would run at the wrong local hour "
                    "(expiry and maturing after midnight, emails at 10:00, of the wrong place). Deploy with "
                    "ProgramTimezone set to the program's timezone, or with AllowTimezoneMismatch=true",
                )
            )
        return found
