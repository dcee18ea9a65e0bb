"""Paid memberships: how long one lasts, what buying, renewing or refunding it does, and the tier floor it
gives. Pure.

A member's memberships are ``{membership_id: until}`` (RFC 3339, exclusive). ``until`` is always a
midnight of the program's timezone: a membership bought on local day D for n months lasts until the
start of D + n calendar months (Jan 31 + 1 month: Feb 28/29), so it ends on a day, the day the daily
job ends it. A renewal extends from the later of now and the current ``until``. An order keeps the
days its units granted; a refund shortens ``until`` by the refunded units' share of those days (all of
them when every unit comes back), so a membership bought, renewed and the renewal refunded ends where
it ended before the renewal, whatever the months' lengths. A membership whose ``until`` is then not
after now has ended.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from loyalty.domain.calendar import add_months, local_day, start_of_day
from loyalty.domain.tiers import TierLevel


@dataclass(frozen=True)
class Change:
    """A membership granted (``until`` its new end), extended, shortened or ended (``until`` None)."""

    membership_id: str
    until: datetime | None
    before: datetime | None  # its end before the change (None: not held)
    days: int = 0  # the days a grant added (what its order's refund takes back)


def held(memberships: Mapping[str, str], now: datetime) -> dict[str, datetime]:
    """The memberships that last at ``now`` (an ended one may wait for the daily job to be removed)."""
    ends = {mid: datetime.fromisoformat(until) for mid, until in memberships.items()}
    return {mid: until for mid, until in ends.items() if until > now}


def granted(current: str | None, months: int, now: datetime, zone: ZoneInfo) -> datetime:
    """The end of a membership after ``months`` more: counted from its end when it still lasts, else
    from today (a lapsed membership bought again starts anew)."""
    base = max(now, datetime.fromisoformat(current)) if current else now
    return start_of_day(add_months(local_day(base, zone), months), zone)


def shortened(current: str, days: int, now: datetime, zone: ZoneInfo) -> datetime | None:
    """The end after a refund takes ``days`` back; None when that ends it."""
    end = start_of_day(local_day(datetime.fromisoformat(current), zone) - timedelta(days=days), zone)
    return end if end > now else None


def grant(
    memberships: Mapping[str, str], months: Mapping[str, int], now: datetime, zone: ZoneInfo
) -> tuple[dict[str, str], list[Change]]:
    """Memberships after ``months`` more of each, with the days each grant added."""
    after = dict(memberships)
    changes = []
    for mid, count in months.items():
        current = after.get(mid)
        base = max(now, datetime.fromisoformat(current)) if current else now
        until = granted(current, count, now, zone)
        after[mid] = until.isoformat()
        days = (local_day(until, zone) - local_day(base, zone)).days
        changes.append(Change(mid, until, datetime.fromisoformat(current) if current else None, days))
    return after, changes


def take_back(
    memberships: Mapping[str, str], days: Mapping[str, int], now: datetime, zone: ZoneInfo
) -> tuple[dict[str, str], list[Change]]:
    """Memberships after a refund takes ``days`` back from each it holds (one it no longer holds: nothing)."""
    after = dict(memberships)
    changes = []
    for mid, count in days.items():
        current = after.get(mid)
        if current is None or count <= 0:
            continue
        until = shortened(current, count, now, zone)
        if until is None:
            after.pop(mid)
        else:
            after[mid] = until.isoformat()
        changes.append(Change(mid, until, datetime.fromisoformat(current)))
    return after, changes


def days_back(granted_days: int, units: int, refunded_before: int, refunded_after: int) -> int:
    """The days a refund takes back of an order's grant: its units' share, floored cumulatively, so the
    order's refunds together take back exactly what it granted."""
    return granted_days * refunded_after // units - granted_days * refunded_before // units


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
