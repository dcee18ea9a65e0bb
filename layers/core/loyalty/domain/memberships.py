"""Paid memberships: how long one lasts, what buying, renewing or refunding it does, and the tier floor it
gives. Pure.

A member's memberships are ``{membership_id: until}`` (RFC 3339, exclusive). ``until`` is always a
midnight of the program's timezone: a membership bought on local day D for n months lasts until the
start of D + n calendar months (Jan 31 + 1 month: Feb 28/29), so it ends on a day, the day the daily
job ends it. A renewal extends from the later of now and the current ``until``. A refund shortens by
what the refunded units granted (months x refunded quantity, calendar months back from ``until``);
a membership whose ``until`` is then not after now has ended.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from loyalty.domain.calendar import add_months, local_day, start_of_day
from loyalty.domain.tiers import TierLevel


@dataclass(frozen=True)
class Change:
    """A membership granted (``until`` its new end), extended, shortened or ended (``until`` None)."""

    membership_id: str
    until: datetime | None
    before: datetime | None  # its end before the change (None: not held)


def held(memberships: Mapping[str, str], now: datetime) -> dict[str, datetime]:
    """The memberships that last at ``now`` (an ended one may wait for the daily job to be removed)."""
    ends = {mid: datetime.fromisoformat(until) for mid, until in memberships.items()}
    return {mid: until for mid, until in ends.items() if until > now}


def granted(current: str | None, months: int, now: datetime, zone: ZoneInfo) -> datetime:
    """The end of a membership after ``months`` more: counted from its end when it still lasts, else
    from today (a lapsed membership bought again starts anew)."""
    base = max(now, datetime.fromisoformat(current)) if current else now
    return start_of_day(add_months(local_day(base, zone), months), zone)


def shortened(current: str, months: int, now: datetime, zone: ZoneInfo) -> datetime | None:
    """The end after a refund takes ``months`` back; None when that ends it."""
    end = start_of_day(add_months(local_day(datetime.fromisoformat(current), zone), -months), zone)
    return end if end > now else None


def apply(
    memberships: Mapping[str, str], moves: Mapping[str, int], now: datetime, zone: ZoneInfo
) -> tuple[dict[str, str], list[Change]]:
    """Memberships after months granted (positive) or refunded (negative) per membership id."""
    after = dict(memberships)
    changes: list[Change] = []
    for mid, months in moves.items():
        current = after.get(mid)
        before = datetime.fromisoformat(current) if current else None
        if months > 0:
            until: datetime | None = granted(current, months, now, zone)
        elif months < 0 and current is not None:
            until = shortened(current, -months, now, zone)
        else:
            continue
        if until is None:
            after.pop(mid)
        else:
            after[mid] = until.isoformat()
        changes.append(Change(mid, until, before))
    return after, changes


def ended(memberships: Mapping[str, str], now: datetime) -> tuple[dict[str, str], list[str]]:
    """Memberships without those whose end has come (the daily job), and the ids of those."""
    lasting = held(memberships, now)
    return {mid: memberships[mid] for mid in lasting}, sorted(set(memberships) - set(lasting))


def end_days(memberships: Mapping[str, str], zone: ZoneInfo) -> list[date]:
    """The local days the memberships end on (their ``until`` is that day's midnight)."""
    return [local_day(datetime.fromisoformat(until), zone) for until in memberships.values()]


def floor(points_tier: TierLevel, floors: Iterable[str | None], levels: Sequence[TierLevel]) -> TierLevel:
    """The tier a member holds: what its points give, or a higher one its memberships hold it at."""
    held_tiers = [level for level in levels if level.name in set(floors)]
    return max([points_tier, *held_tiers], key=lambda level: level.threshold)
