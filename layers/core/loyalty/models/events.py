"""Events out: the envelope every subscriber receives and the data of each event type.

An event is published for every change of a member or its points (contract v1.1, "Events out").
The data models forbid unknown fields: an event carries what its consumers need to act (ids, points,
balances, dates) and no personal data (no email, name or locale: a consumer that needs them reads
``GET /v1/members/{member_id}``); ``member.erased`` carries nothing at all. JSON Schemas generated
from these models are committed under docs/events/ (``python -m local.event_schemas --write``).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, model_validator

from loyalty.models.common import Model, Timestamp
from loyalty.models.event_types import EventType
from loyalty.models.perks import Perk

Points = Annotated[int, Field(ge=0, le=2**53 - 1, description="A positive number of points.")]
SignedPoints = Annotated[int, Field(ge=-(2**53 - 1), le=2**53 - 1, description="Points, signed.")]
Id = Annotated[str, Field(min_length=1, max_length=128)]


class EventData(Model):
    """Base of every event's data: unknown fields are refused, so nothing leaks out by accident."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Balance(Model):
    """The member's points right after the change (``balance`` is optional: null when the write did not
    say; the ledger should always give it)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    available: Points
    pending: Points


class MemberEnrolled(EventData):
    tier: str
    enrolled_at: Timestamp | None = None
    marketing_opt_in: bool | None = None
    referred: bool | None = Field(default=None, description="Whether the member enrolled with someone's referral code.")


class MemberUpdated(EventData):
    changed: list[Literal["email", "name", "marketing_opt_in", "locale"]] = Field(
        description="Which profile fields changed (names only, never their values)."
    )
    marketing_opt_in: bool | None = Field(default=None, description="The consent as it is now: a CRM must honour it.")


class MemberErased(EventData):
    """Nothing: the member's personal data is gone, and so is any trace of it in events."""


class PointsEarned(EventData):
    order_id: Id
    points: Points
    status: Literal["pending", "available"]
    available_at: Timestamp
    balance: Balance | None = None


class PointsMatured(EventData):
    order_id: Id
    points: Points
    balance: Balance | None = None


class PointsRefunded(EventData):
    order_id: Id
    refund_id: Id
    points: Points = Field(description="Points taken back (positive).")
    challenge_points: Points | None = Field(
        default=None, description="Challenge rewards the refund reversed besides (their completions undone)."
    )
    balance: Balance | None = None


class PointsRedeemed(EventData):
    redemption_id: Id
    reward_id: Id | None = None
    points: Points = Field(description="Points spent (positive).")
    balance: Balance | None = None


class PointsExpired(EventData):
    points: Points
    expires_on: date = Field(description="The last day the points could be spent, in the program's timezone.")
    balance: Balance | None = None


class PointsAdjusted(EventData):
    """No free text: an admin's reason may name the member, and an event outlives its erasure (the bus's
    archive, a subscriber's copy). A consumer that needs it reads the member's activity."""

    adjustment_id: Id
    points: SignedPoints
    reason: Literal["erasure"] | None = Field(
        default=None, description="Only 'erasure': the forfeit of an erased member's points. Never an admin's text."
    )
    balance: Balance | None = None

    @model_validator(mode="before")
    @classmethod
    def _without_free_text(cls, data: Any) -> Any:
        """An outbox written before events lost their free text holds the admin's reason: not sent on."""
        if isinstance(data, dict) and data.get("reason") not in (None, "erasure"):
            return {name: value for name, value in data.items() if name != "reason"}
        return data


class PointsBonus(EventData):
    points: Points
    reason: Literal["signup", "event", "referral", "referral_milestone", "campaign", "challenge"]
    event_id: Id | None = Field(default=None, description="The member event that earned it (reason 'event').")
    challenge_id: Id | None = Field(default=None, description="The challenge completed (reason 'challenge').")
    badge: str | None = Field(default=None, description="The badge the completion awarded, if any.")
    balance: Balance | None = None


class TierChanged(EventData):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, serialize_by_alias=True)

    from_tier: str = Field(alias="from", description="The tier before.")
    to_tier: str = Field(alias="to", description="The tier now.")
    direction: Literal["up", "down"] | None = None
    perks: list[Perk] | None = Field(
        default=None, description="The perks the member holds now (its tier's and its paid memberships'); absent: none."
    )


class MembershipStarted(EventData):
    membership_id: Id
    until: Timestamp = Field(description="When it ends (exclusive).")
    order_id: Id = Field(description="The order that bought it.")
    renewed: bool = Field(description="It extends a membership that still lasted.")


class MembershipEnded(EventData):
    membership_id: Id
    reason: Literal["time", "refund"]
    order_id: Id | None = Field(default=None, description="The refunded order (reason refund).")


class RedemptionIssued(EventData):
    redemption_id: Id
    reward_id: Id
    points: Points | None = None
    code: str | None = Field(default=None, description="The voucher code, for a point of sale to accept it.")


class RedemptionUsed(EventData):
    redemption_id: Id
    reward_id: Id


class RedemptionCancelled(EventData):
    redemption_id: Id
    reward_id: Id
    points: Points = Field(description="Points given back to the member (positive).")


class ReferralCompleted(EventData):
    role: Literal["referrer", "referee"]
    other_member_id: Id = Field(description="The referee when this member is the referrer, and the other way round.")
    points: Points


DATA_MODELS: dict[str, type[EventData]] = {
    "member.enrolled": MemberEnrolled,
    "member.updated": MemberUpdated,
    "member.erased": MemberErased,
    "points.earned": PointsEarned,
    "points.matured": PointsMatured,
    "points.refunded": PointsRefunded,
    "points.redeemed": PointsRedeemed,
    "points.expired": PointsExpired,
    "points.adjusted": PointsAdjusted,
    "points.bonus": PointsBonus,
    "tier.changed": TierChanged,
    "redemption.issued": RedemptionIssued,
    "redemption.used": RedemptionUsed,
    "redemption.cancelled": RedemptionCancelled,
    "referral.completed": ReferralCompleted,
    "membership.started": MembershipStarted,
    "membership.ended": MembershipEnded,
}


class Envelope(Model):
    """What the bus carries as ``detail`` and what a webhook receives as its body."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(
        description="'<member_id>:<version>:<index>': stable, so a consumer dedupes on it; "
        "the version orders a member's events."
    )
    type: EventType
    occurred_at: Timestamp
    member_id: str
    data: dict[str, Any]

    def body(self) -> str:
        """The JSON text sent: compact, keys in a fixed order, so every attempt sends the same bytes."""
        return self.model_dump_json()


def event_id(member_id: str, version: int, index: int) -> str:
    return f"{member_id}:{version}:{index}"


def envelope_schema(event_type: str) -> dict[str, Any]:
    """The JSON Schema of one event type: the envelope with its ``type`` fixed and its ``data``."""
    data_schema = DATA_MODELS[event_type].model_json_schema(mode="serialization")
    definitions = data_schema.pop("$defs", {})
    envelope = Envelope.model_json_schema(mode="serialization")
    envelope.pop("$defs", None)
    properties = dict(envelope["properties"])
    properties["type"] = {"const": event_type, "title": "Type", "type": "string"}
    properties["data"] = data_schema
    schema: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://loyalty.dev/events/{event_type}.json",
        "title": event_type,
        "description": (DATA_MODELS[event_type].__doc__ or "").strip() or f"The {event_type} event.",
        "type": "object",
        "properties": properties,
        "required": envelope["required"],
        "additionalProperties": False,
    }
    if definitions:
        schema["$defs"] = definitions
    return schema
