"""Builds the contract's Member resource from stored items and the program."""

from __future__ import annotations

from datetime import datetime

from loyalty.adapters import clock
from loyalty.domain import tiers
from loyalty.models.member import Expiring, Member, NextTier, Points, Tier
from loyalty.models.program import Program
from loyalty.services.program import tier_levels
from loyalty.store.client import Item

NEVER = "9999-12-31"
EXPIRING_SHOWN = 3


def member_view(profile: Item, lots: list[Item], program: Program, now: datetime | None = None) -> Member:
    moment = now or clock.now()
    today = moment.astimezone(program.zone).date()
    levels = tier_levels(program)
    qualifying = tiers.qualifying_points(profile.get("earned_by_day", {}), today, program.tier_window_days)
    tier = tiers.by_name(profile.get("tier"), levels)
    upcoming = tiers.next_tier(tier, qualifying, levels)
    expiring = [
        Expiring(points=int(lot["available"]), expires_on=str(lot["expires_on"]))
        for lot in sorted(lots, key=lambda lot: str(lot.get("expires_on", NEVER)))
        if int(lot.get("available", 0)) > 0 and lot.get("expires_on", NEVER) != NEVER
    ][:EXPIRING_SHOWN]
    return Member(
        member_id=profile["member_id"],
        email=profile.get("email"),
        name=profile.get("name"),
        status=profile.get("status", "active"),
        enrolled_at=profile["enrolled_at"],
        last_activity_at=profile["last_activity_at"],
        marketing_opt_in=bool(profile.get("marketing_opt_in", False)),
        locale=profile.get("locale"),
        referral_code=profile["referral_code"],
        tier=Tier(name=tier.name, multiplier=float(tier.multiplier)),
        next_tier=NextTier(name=upcoming[0].name, points_needed=upcoming[1]) if upcoming else None,
        points=Points(
            available=int(profile.get("available", 0)),
            pending=int(profile.get("pending", 0)),
            lifetime_earned=int(profile.get("lifetime_earned", 0)),
            qualifying=qualifying,
        ),
        expiring=expiring,
    )
