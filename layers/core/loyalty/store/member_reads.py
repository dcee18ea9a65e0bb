"""Reads of the member partition: the profile with its lots in one Query, the consent ring, the email guard."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from loyalty.domain.valuation import Portion
from loyalty.store import items, keys, lots
from loyalty.store.client import (
    dynamodb,
    from_item,
)
from loyalty.store.member_record import CONSENT_ON_CODE, CONSENT_SLOTS, ConsentRecord, MemberRecord

FIRST_LOT_MONTHS = 4  # enough for the next three expiry days even with a month of ended days first


def consents(member_id: str, referral_code: str | None = None) -> list[ConsentRecord]:
    """The member's kept consent changes, oldest first: the ring's items, and the first record, which an
    enrollment keeps on the member's referral code (loyalty.store.enrollment), while it is among the last
    ``CONSENT_SLOTS``."""
    request = items.query(keys.member_partition(member_id), prefix=keys.CONSENT_PREFIX, consistent=True)
    found = [ConsentRecord.from_item(item) for item in items.every(request)]
    if referral_code is not None:
        code = items.get(keys.referral(referral_code), lambda item: item.get(CONSENT_ON_CODE))
        if isinstance(code, dict) and code.get("member_id") == member_id:
            first = ConsentRecord.from_item(code)
            if all(record.seq != first.seq for record in found):
                found.append(first)
    return sorted(found, key=lambda record: record.seq)[-CONSENT_SLOTS:]


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
        alone = items.get(keys.member(member_id), MemberRecord.from_item)
        # No lot was read: every month is "beyond what was read".
        return None if alone is None else MemberState(alone, {}, complete=False, through_month="0000-00")
    limit = 1 + FIRST_LOT_MONTHS if lots_wanted == "first" else None
    request = items.query(keys.member_partition(member_id), prefix=keys.PROFILE, limit=limit, consistent=True)
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
    # Lots the member item holds itself (loyalty.store.profile_lots) count with those of the lot items.
    for portion, points in profile.lots.items():
        portions[portion] = portions.get(portion, 0) + points
        held[portion.day] = held.get(portion.day, 0) + points
    return MemberState(profile, held, complete=last_month is None, through_month=last_month, portions=portions)


def email_owner(address: str) -> str | None:
    """The member holding an email (the guard item), or None."""
    return items.get(keys.email(address), lambda guard: str(guard["member_id"]))
