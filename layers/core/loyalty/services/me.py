"""The ``/v1/me`` views: what a shopper needs to trust the program, for the member a token (or the Shopify
App Proxy, loyalty.services.app_proxy) acts for.

Each view reads the member first, and a member that is not there any more (erased, merged away, never
enrolled) answers 401: a token outlives nothing it was issued for. The reads reuse the member's own:
``/v1/me`` is one Query of the profile and its first lots (plus its card), ``/v1/me/balance`` one Query
of the profile and every lot (and, only while some points are pending, the newest orders).
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_FLOOR, Decimal

from loyalty.adapters import clock
from loyalty.domain import calendar, holdout, spending, tiers
from loyalty.domain.challenges import Progress
from loyalty.domain.errors import RateLimited, Unauthorized
from loyalty.models.common import MAX_SAFE_INTEGER, Page
from loyalty.models.entry import Entry
from loyalty.models.me import Balance, BalanceLot, EarnRule, Me, MePoints, MeReward, MeTier, PendingPoints, WaysToEarn
from loyalty.models.program import Campaign, Program
from loyalty.models.reward import Redemption, RedemptionRequest
from loyalty.services import activity, cards, memberships, redemptions, rewards
from loyalty.services import program as programs
from loyalty.services.redemptions import Redeemed
from loyalty.services.views import state_view
from loyalty.settings import settings
from loyalty.store import attempts, member_reads, pending_orders
from loyalty.store import referrals as referral_store
from loyalty.store.member_reads import MemberState, ReadLots

NEVER = calendar.NEVER.isoformat()
RATE_WINDOW_SECONDS = 60


def member_state(member_id: str, lots: ReadLots = "first") -> MemberState:
    """The token's member as one read; 401 when it is gone (erased or merged: its tokens end with it)."""
    state = member_reads.read(member_id, lots)
    if state is None or state.member.status != "active":
        raise Unauthorized("The member this token was issued for no longer exists.")
    return state


def me(member_id: str) -> Me:
    program = programs.current()
    state = member_state(member_id)
    member = state_view(state, program, clock.now())
    value = (Decimal(member.points.available) * program.point_value_minor).to_integral_value(ROUND_FLOOR)
    return Me(
        member_id=member.member_id,
        name=member.name,
        tier=MeTier(name=member.tier.name, multiplier=member.tier.multiplier, perks=member.tier.perks),
        next_tier=member.next_tier,
        points=MePoints(
            available=member.points.available,
            pending=member.points.pending,
            value_minor=min(int(value), MAX_SAFE_INTEGER),
            currency=program.currency,
        ),
        expiring=member.expiring,
        referral_code=member.referral_code,
        card_code=cards.code_for(member_id),
        badges=member.badges,
        memberships=member.memberships,
    )


def rewards_for(member_id: str, limit: int, cursor: str | None) -> Page[MeReward]:
    """The rewards redeemable now, each with whether this member can redeem it and what it lacks. Only
    points still valid count (a day that has ended is not spendable, even before the expiry run)."""
    program = programs.current()
    state = member_state(member_id, "all")
    today = calendar.local_day(clock.now(), program.zone).isoformat()
    spendable = sum(spending.spendable(state.lots, today).values())
    levels = programs.tier_levels(program)
    now = clock.now()
    tier = memberships.standing(state.member, program, now).tier
    page = rewards.redeemable(limit, cursor)
    items = []
    for reward in page.items:
        missing = max(reward.cost_points - spendable, 0)
        tier_ok = reward.min_tier is None or tier.threshold >= tiers.by_name(reward.min_tier, levels).threshold
        availability = rewards.availability_of(reward)
        items.append(
            MeReward.model_validate(
                {
                    **reward.model_dump(),
                    "affordable": missing == 0 and tier_ok and availability.open_for(now, tier, levels),
                    "points_missing": missing,
                    "redeemable_from": availability.opens_for(tier, levels),
                }
            )
        )
    return Page[MeReward](items=items, next_cursor=page.next_cursor)


def balance(member_id: str) -> Balance:
    """The available points by expiry day (one Query of the profile and its lots: they add up to
    ``available``), and the orders whose points are still pending."""
    state = member_state(member_id, "all")
    member = state.member
    lots = [
        BalanceLot(expires_on=None if day == NEVER else day, remaining=points)
        for day, points in sorted(state.lots.items())
        if points > 0
    ]
    waiting = pending_orders.pending(member_id, member.balances.pending) if member.balances.pending > 0 else []
    pending = [
        PendingPoints.model_validate(
            {"order_id": order.order_id, "points": order.pending_left, "available_at": order.available_at}
        )
        for order in waiting
    ]
    return Balance(available=member.balances.available, lots=lots, pending=pending)


def ways_to_earn(member_id: str) -> WaysToEarn:
    """What earns this member points today: the product and category rates, the campaigns running now
    that it qualifies for (its group, its tier, its uses of a per-member limit), member events and referrals."""
    program = programs.current()
    member = member_state(member_id, "none").member
    now = clock.now()
    rules = [
        EarnRule(kind="category", label=name, multiplier=float(rate))
        for name, rate in sorted(program.category_multipliers.items())
        if rate > 0 and rate != 1
    ]
    rules += [
        EarnRule(kind="sku", label=sku, multiplier=float(rate))
        for sku, rate in sorted(program.sku_multipliers.items())
        if rate > 0 and rate != 1
    ]
    # A holdout member held out of campaigns is shown none: it would get none (loyalty.domain.holdout).
    withheld = holdout.withholds(program.holdout, member.holdout, "campaigns")
    tier = memberships.standing(member, program, now).tier.name  # a paid membership's floor counts, as at accrual
    for campaign in [] if withheld else program.campaigns:
        if not _qualifies(campaign, tier, member.campaign_uses.get(campaign.campaign_id, 0), now):
            continue
        rules.append(
            EarnRule.model_validate(
                {
                    "kind": "campaign",
                    "label": campaign.campaign_id,
                    "multiplier": float(campaign.multiplier) if campaign.multiplier is not None else None,
                    "points": campaign.bonus_points,
                    "ends_at": campaign.ends_at,
                }
            )
        )
    rules += [EarnRule(kind="event", label=rule.type, points=rule.points) for rule in program.event_rules]
    rules += [
        EarnRule.model_validate(
            {"kind": "challenge", "label": c.label, "points": c.reward_points or None, "ends_at": c.ends_at}
        )
        for c in program.challenges
        if c.open_at(now) and (c.repeatable or not member.challenges.get(c.challenge_id, Progress()).done)
    ]
    referral = _referral_points(program, member.referral_code)
    if referral:
        rules.append(EarnRule(kind="referral", label="referral", points=referral))
    return WaysToEarn(points_per_unit=format(program.points_per_unit, "f"), currency=program.currency, rules=rules)


def _qualifies(campaign: Campaign, tier: str, used: int, now: datetime) -> bool:
    if not campaign.active_at(now):
        return False
    if campaign.tiers is not None and tier not in campaign.tiers:
        return False
    return campaign.per_member_limit is None or used < campaign.per_member_limit


def _referral_points(program: Program, code: str) -> int:
    """What referring a friend earns this member: nothing without referrals, or past its cap."""
    terms = program.referrals
    if terms is None or terms.referrer_points <= 0:
        return 0
    if terms.max_per_member is not None:
        stats = referral_store.code_stats(code)
        if stats is not None and stats.completed >= terms.max_per_member:
            return 0
    return terms.referrer_points


def activity_page(member_id: str, limit: int, cursor: str | None) -> Page[Entry]:
    member_state(member_id, "none")
    return activity.page(member_id, limit, cursor)


def redemptions_page(member_id: str, limit: int, cursor: str | None) -> Page[Redemption]:
    member_state(member_id, "none")
    return redemptions.for_member(member_id, limit, cursor)


def redeem(member_id: str, request: RedemptionRequest, key_id: str | None) -> Redeemed:
    """As ``POST /v1/members/{id}/redemptions`` (idempotent by redemption_id), after a per-member limit
    on attempts: a browser holds the token, so a script in it must not hammer the member's points."""
    member_state(member_id, "none")
    now = int(clock.now().timestamp())
    limit = settings().redemption_attempts_per_minute
    wait = attempts.take(member_id, "redeem", limit, RATE_WINDOW_SECONDS, now)
    if wait is not None:
        raise RateLimited(f"At most {limit} redemption attempts a minute; retry in {wait} s.", wait)
    return redemptions.redeem(member_id, request, key_id)
