"""Reads of the member partition: the profile with its lots in one Query, the consent ring, the email guard."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from loyalty.domain.valuation import Portion
from loyalty.store import keys, lots
from loyalty.store.client import (
    dynamodb,
    from_item,
    table_name,
    to_item,
    to_value,
)
from loyalty.store.member_record import ConsentRecord, MemberRecord

FIRST_LOT_MONTHS = 4  # enough for the next three expiry days even with a month of ended days first


def consents(member_id: str) -> list[ConsentRecord]:
    """The member's kept consent changes, oldest first."""
    answer = dynamodb().query(
        TableName=table_name(),
        KeyConditionExpression="PK = :pk AND begins_with(SK, :consent)",
        ExpressionAttributeValues={
            ":pk": to_value(keys.member_partition(member_id)),
            ":consent": to_value(keys.CONSENT_PREFIX),
        },
        ConsistentRead=True,
    )
    found = [ConsentRecord.from_item(from_item(raw)) for raw in answer.get("Items", [])]
    return sorted(found, key=lambda record: record.seq)


@dataclass(frozen=True)
class MemberState:
    """One read of the member: the profile and the points it holds by expiry day. ``complete`` is
    False when only the first months of lots were read (enough to show and to add, not to spend);
    ``through_month`` is then the last month read."""

    member: MemberRecord
    lots: dict[str, int]
    complete: bool
    through_month: str | None = None
    portions: dict[Portion, int] = field(default_factory=dict)  # the lots' points valued at issue


ReadLots = Literal["none", "first", "all"]


def read(member_id: str, lots_wanted: ReadLots = "first") -> MemberState | None:
    """The profile and its lots in one strongly consistent Query: the first few months (a member's
    view, an accrual: one read unit) or all of them (spending: bounded by the expiry horizon)."""
    if lots_wanted == "none":
        found = dynamodb().get_item(TableName=table_name(), Key=to_item(keys.member(member_id)), ConsistentRead=True)
        if "Item" not in found:
            return None
        # No lot was read: every month is "beyond what was read".
        return MemberState(
            MemberRecord.from_item(from_item(found["Item"])), {}, complete=False, through_month="0000-00"
        )
    request: dict[str, Any] = {
        "TableName": table_name(),
        "KeyConditionExpression": "PK = :pk AND begins_with(SK, :profile)",
        "ExpressionAttributeValues": {
            ":pk": to_value(keys.member_partition(member_id)),
            ":profile": to_value(keys.PROFILE),
        },
        "ConsistentRead": True,
    }
    if lots_wanted == "first":
        request["Limit"] = 1 + FIRST_LOT_MONTHS
    profile: MemberRecord | None = None
    held: dict[str, int] = {}
    portions: dict[Portion, int] = {}
    last_month: str | None = None
    while True:
        answer = dynamodb().query(**request)
        for raw in answer.get("Items", []):
            item = from_item(raw)
            if item["SK"] == keys.PROFILE:
                profile = MemberRecord.from_item(item)
            else:
                held.update(lots.days_of(item))
                portions.update(lots.portions_of(item))
                last_month = keys.month_of_lot(str(item["SK"]))
        start = answer.get("LastEvaluatedKey")
        if start is None:
            last_month = None
            break
        if lots_wanted == "first":
            break
        request["ExclusiveStartKey"] = start
    if profile is None:
        return None
    return MemberState(profile, held, complete=last_month is None, through_month=last_month, portions=portions)


def email_owner(address: str) -> str | None:
    """The member holding an email (the guard item), or None."""
    answer = dynamodb().get_item(TableName=table_name(), Key=to_item(keys.email(address)), ConsistentRead=True)
    return str(from_item(answer["Item"])["member_id"]) if "Item" in answer else None
