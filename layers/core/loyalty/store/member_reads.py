"""Reads of the member partition: the profile with its lots in one Query, the consent ring, the email guard."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from loyalty.domain.spending import covered
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


@dataclass(frozen=True)
class Spending:
    """Lots wanted to spend ``points`` on ``today`` (an ISO day): the first months, and the others only
    when the first do not hold them, or would not show ``shown`` expiry days once they are spent
    (loyalty.domain.spending.covered)."""

    points: int
    today: str
    shown: int = 0


ReadLots = Literal["none", "first", "all"] | Spending


def read(member_id: str, lots_wanted: ReadLots = "first") -> MemberState | None:
    """The profile and its lots in one strongly consistent Query: the first few months (a member's
    view, an accrual: one read unit), all of them (bounded by the expiry horizon), or the first few and
    the rest only if they do not hold what is to be spent (a redemption: one read unit at any history,
    as a member's points mostly sit in the months that expire soonest)."""
    if lots_wanted == "none":
        alone = items.get(keys.member(member_id), MemberRecord.from_item)
        # No lot was read: every month is "beyond what was read".
        return None if alone is None else MemberState(alone, {}, complete=False, through_month="0000-00")
    limit = None if lots_wanted == "all" else 1 + FIRST_LOT_MONTHS
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
        if _read_enough(lots_wanted, held, profile, last_month):
            break
        request.pop("Limit", None)  # the rest in one go (the Query still pages at 1 MB)
        request["ExclusiveStartKey"] = start
    if profile is None:
        return None
    # Lots the member item holds itself (loyalty.store.profile_lots) count with those of the lot items.
    for portion, points in profile.lots.items():
        portions[portion] = portions.get(portion, 0) + points
    held = _with_profile(held, profile)
    return MemberState(profile, held, complete=last_month is None, through_month=last_month, portions=portions)


def _read_enough(wanted: ReadLots, held: dict[str, int], profile: MemberRecord | None, last_month: str | None) -> bool:
    """Whether the pages read so far (through ``last_month``, more pages following) are all ``wanted``
    asks for: the first months, or those that pay for a Spending."""
    if wanted == "first":
        return True
    if not isinstance(wanted, Spending) or profile is None or last_month is None:
        return False
    return covered(_with_profile(held, profile), wanted.points, wanted.today, last_month, shown=wanted.shown)


def _with_profile(held: dict[str, int], profile: MemberRecord) -> dict[str, int]:
    """The points by day of the lot items read and of the member item's own lots, added."""
    days = dict(held)
    for portion, points in profile.lots.items():
        days[portion.day] = days.get(portion.day, 0) + points
    return days


def email_owner(address: str) -> str | None:
    """The member holding an email (the guard item), or None."""
    return items.get(keys.email(address), lambda guard: str(guard["member_id"]))
