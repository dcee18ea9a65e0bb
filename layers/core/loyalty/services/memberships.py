"""What a member holds beyond its points: the tier its points or its paid memberships give, that tier's
perks and its memberships' (loyalty.domain.memberships), and the membership changes an order, a refund
or the daily job makes, with their events.

The member item keeps the tier its points give (``tier``, which accrual and the tier review move as
before) and its memberships (``ms``); the tier a member *holds* is the higher of that and its lasting
memberships' tiers. It is computed where it is used, so it is exact at every moment, and the daily job
only records an end (its event, the member's tier review day).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import Any

from loyalty.domain import calendar, memberships, tiers
from loyalty.domain.events import Event
from loyalty.domain.refunds import RefundPlan
from loyalty.models.common import rfc3339
from loyalty.models.order import OrderRequest
from loyalty.models.perks import HeldMembership, Perk
from loyalty.models.program import Program
from loyalty.services.program import tier_levels
from loyalty.store.member_record import MemberRecord
from loyalty.store.orders import OrderRecord


@dataclass(frozen=True)
class Standing:
    tier: tiers.TierLevel
    perks: list[Perk]
    memberships: list[HeldMembership]


def standing(member: MemberRecord, program: Program, now: datetime, *, as_recorded: bool = False) -> Standing:
    """What the member holds at ``now`` (``as_recorded``: with every membership it records, ended or
    not: what it held until the daily job's end of one)."""
    levels = tier_levels(program)
    lasting = memberships.held(member.memberships, now)
    if as_recorded:
        lasting = {mid: datetime.fromisoformat(until) for mid, until in member.memberships.items()}
    sold = {m.membership_id: m for m in program.memberships if m.membership_id in lasting}
    tier = memberships.floor(tiers.by_name(member.tier, levels), [m.tier for m in sold.values()], levels)
    rule = next(rule for rule in program.tiers if rule.name == tier.name)
    perks: dict[str, Perk] = {}
    for perk in [*rule.perks, *(perk for m in sold.values() for perk in m.perks)]:
        perks.setdefault(perk.perk_id, perk)
    held = [HeldMembership(membership_id=mid, until=until) for mid, until in sorted(lasting.items())]
    return Standing(tier, list(perks.values()), held)


def perks_data(perks: Iterable[Perk]) -> list[dict[str, Any]]:
    return [perk.model_dump(exclude_none=True) for perk in perks]


def tier_events(
    before: MemberRecord, after: MemberRecord, program: Program, now: datetime, *, ending: bool = False
) -> list[Event]:
    """``tier.changed`` when the tier the member holds changes, with the perks it holds now (``ending``:
    the daily job ends memberships, which the member held before it)."""
    old, new = standing(before, program, now, as_recorded=ending), standing(after, program, now)
    if old.tier.name == new.tier.name:
        return []
    # No perks: no field (a consumer reads its absence as none), so a program without perks sends what it did.
    perks = {"perks": perks_data(new.perks)} if new.perks else {}
    return [Event("tier.changed", {"from": old.tier.name, "to": new.tier.name, **perks})]


def after_order(
    before: MemberRecord, after: MemberRecord, order: OrderRequest, program: Program, now: datetime
) -> tuple[MemberRecord, list[Event], dict[str, list[int]]]:
    """An accrual's member with the memberships its order buys, the events (memberships started, and
    the tier held if it changed, by points or by a membership's floor), and what the order granted,
    ``{membership_id: [days, units]}``, kept on the order for its refunds."""
    units = bought([(line.sku, line.quantity) for line in order.lines], program)
    months = {
        m.membership_id: m.months * units[m.membership_id] for m in program.memberships if m.membership_id in units
    }
    held, changes = memberships.grant(after.memberships, months, now, program.zone)
    after = with_due(replace(after, memberships=held), program, now) if changes else after
    events = []
    for change in changes:
        assert change.until is not None  # a grant always has an end
        renewed = change.before is not None and change.before > now
        data = {"membership_id": change.membership_id, "until": rfc3339(change.until), "order_id": order.order_id}
        events.append(Event("membership.started", {**data, "renewed": renewed}))
    granted = {change.membership_id: [change.days, units[change.membership_id]] for change in changes}
    return after, [*events, *tier_events(before, after, program, now)], granted


def after_refund(
    before: MemberRecord, after: MemberRecord, order: OrderRecord, plan: RefundPlan, program: Program, now: datetime
) -> tuple[MemberRecord, list[Event]]:
    """A refund's member with the days the refunded membership units granted taken back, and the events.
    By line, the units it refunds; a refund that makes the whole order refunded (an amount refund of all
    of it), every unit not refunded yet; a partial amount refund names no unit and takes back nothing."""
    if not order.granted:
        return after, []
    lines = [(line.sku, line.quantity) for line in order.lines]
    whole_before, whole_after = Fraction(order.refunded_share) >= 1, plan.refunded_share >= 1
    was = bought(refunded_units(lines, order.refunded_qty or {}, whole_before), program)
    now_refunded = bought(refunded_units(lines, plan.refunded_qty, whole_after), program)
    days = {
        mid: memberships.days_back(granted_days, units, was.get(mid, 0), now_refunded.get(mid, 0))
        for mid, (granted_days, units) in order.granted.items()
    }
    held, changes = memberships.take_back(after.memberships, days, now, program.zone)
    after = replace(after, memberships=held)
    events = [
        Event(
            "membership.ended", {"membership_id": change.membership_id, "reason": "refund", "order_id": order.order_id}
        )
        for change in changes
        if change.until is None
    ]
    return after, [*events, *tier_events(before, after, program, now)]


def bought(lines: Iterable[tuple[str, int]], program: Program) -> dict[str, int]:
    """Units of each membership that lines (sku, quantity) hold."""
    by_sku = {m.sku: m.membership_id for m in program.memberships}
    units: dict[str, int] = {}
    for sku, quantity in lines:
        if sku in by_sku and quantity > 0:
            units[by_sku[sku]] = units.get(by_sku[sku], 0) + quantity
    return units


def refunded_units(
    lines: Iterable[tuple[str, int]], refunded_qty: Mapping[str, int], whole: bool
) -> list[tuple[str, int]]:
    """The units of each line refunded so far: every one once the whole order is."""
    return [(sku, quantity if whole else min(refunded_qty.get(sku, 0), quantity)) for sku, quantity in lines]


def with_due(member: MemberRecord, program: Program, now: datetime) -> MemberRecord:
    """The member's TIER index day brought to its memberships' next end or reminder day when sooner:
    the tier review job (the TIER day is min(tier review, membership days)) ends memberships and
    reminds of them. Index days are lower bounds: a day too soon only costs a look."""
    day = soonest(member.due.tier_review, member.memberships, program, calendar.local_day(now, program.zone))
    return replace(member, due=replace(member.due, tier_review=day)) if day != member.due.tier_review else member


def soonest(day: date | None, held: Mapping[str, str], program: Program, today: date) -> date | None:
    """``day`` or, when sooner, the next day after ``today`` a membership ends or is reminded of."""
    ends = memberships.end_days(held, program.zone)
    notice = timedelta(days=program.emails.expiring_notice_days)
    ahead = [d for d in [*ends, *(end - notice for end in ends)] if d > today]
    return min([*ahead, *([day] if day else [])], default=None)


def ended_by_time(member: MemberRecord, now: datetime) -> tuple[MemberRecord, list[Event]]:
    """The member without the memberships whose end has come (the daily job), with their events."""
    lasting, gone = memberships.ended(member.memberships, now)
    events = [Event("membership.ended", {"membership_id": mid, "reason": "time"}) for mid in gone]
    return replace(member, memberships=lasting), events
