"""Re-engagement email rules: dormancy, the cooldown between emails, what an email says. Pure.

- Dormant: no activity (earning, refund, redemption, adjustment) for ``dormant_after_days`` days, counted
  in local days from the day of the last activity. A dormant member gets one dormant email per dormant
  spell, if opted in and holding at least ``dormant_min_points``; new activity starts a new spell.
- Expiring: a reminder when points will expire within ``expiring_notice_days`` days; a member is reminded
  once per expiry day (``reminded_until`` remembers the latest day an email spoke of; see
  loyalty.domain.due_dates for when a member is next looked at).
- Cooldown: never more than one email per member per ``cooldown_days`` (0: no cooldown), across both kinds.
- Holdout: a holdout member gets neither kind the program's holdout ``excludes`` (loyalty.domain.holdout).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Literal

# ISO 4217 minor units that are not 2 (currencies in circulation; 2 is by far the most common).
MINOR_DIGITS = {
    **dict.fromkeys(
        ["BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF"], 0
    ),
    **dict.fromkeys(["XOF", "XPF"], 0),
    **dict.fromkeys(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"], 3),
    **dict.fromkeys(["CLF", "UYW"], 4),
}


def dormant_on(last_activity_day: date, dormant_after_days: int) -> date:
    """The first day on which a member who did nothing since ``last_activity_day`` counts as dormant."""
    return last_activity_day + timedelta(days=dormant_after_days)


def next_email_day(last_email_on: date | None, cooldown_days: int) -> date | None:
    """The first day another email may go out (None: any day)."""
    if last_email_on is None or cooldown_days <= 0:
        return None
    return last_email_on + timedelta(days=cooldown_days)


def cooled_down(last_email_on: date | None, today: date, cooldown_days: int) -> bool:
    allowed = next_email_day(last_email_on, cooldown_days)
    return allowed is None or today >= allowed


def cooldown_cutoff(today: date, cooldown_days: int) -> date | None:
    """The latest ``last_email_on`` that still allows an email today (None: no cooldown)."""
    return today - timedelta(days=cooldown_days) if cooldown_days > 0 else None


@dataclass(frozen=True)
class DormantStep:
    action: Literal["wait", "send", "drop"]
    on: date | None = None  # for "wait": the day to look again


def dormant_step(
    today: date,
    last_activity_day: date,
    *,
    dormant_after_days: int,
    opted_in: bool,
    available: int,
    min_points: int,
    last_email_on: date | None,
    cooldown_days: int,
    held_out: bool = False,
) -> DormantStep:
    """What to do with a member whose dormancy check is due today. A member held out of re-engagement
    emails (loyalty.domain.holdout) is dropped as one who did not opt in is: looked at again a dormancy
    period later, so that it is emailed again if the program stops holding it out."""
    dormant_from = dormant_on(last_activity_day, dormant_after_days)
    if dormant_from > today:
        return DormantStep("wait", dormant_from)  # active since the check was scheduled
    if held_out or not opted_in or available < min_points:
        return DormantStep("drop")  # nothing to send this spell; new activity schedules a new check
    if not cooled_down(last_email_on, today, cooldown_days):
        return DormantStep("wait", next_email_day(last_email_on, cooldown_days))
    return DormantStep("send")


def money_minor(points: int, point_value_minor: Decimal) -> Decimal:
    """What ``points`` are worth in minor units, never rounded up (an email must not overstate value)."""
    return (Decimal(points) * point_value_minor).quantize(Decimal(1), rounding=ROUND_DOWN)


def format_money(minor: Decimal, currency: str) -> str:
    """``350`` USD -> ``"3.50 USD"``: ISO 4217 digits, no locale-specific symbols or separators."""
    digits = MINOR_DIGITS.get(currency, 2)
    major = minor.scaleb(-digits)
    return f"{major:,.{digits}f} {currency}"


def format_day(day: date) -> str:
    """``22 November 2027``: unambiguous in any English-speaking country."""
    return f"{day.day} {day:%B %Y}"
