"""Accrual: one order credited exactly once, whether it came by the API or the queue.

Cost: one Query (the member and its first lots: one read unit) and one TransactWriteItems of three items
(the order, which is also its earn entry and its idempotency key; the member; the lot of the expiry
month its points join), whatever the member's history.

A campaign with ``budget_points`` adds a fourth item, one share of its budget (loyalty.services.budgets:
the share the order's id picks, one of up to 16, so racing orders seldom write the same one),
conditioned to hold what the order takes. It is not read first: the plan assumes the bonus fits, and
when the condition fails the cancellation returns the share, so the next attempt takes what is left
there and the rest from another share (and says so when the budget as a whole falls short). Only an
order that meets a share about to run out pays that one more round trip. A campaign's
``per_member_limit`` is counted on the member item itself (``campaign_uses``), which the Query reads
and the member's version guards: exact, and no item more.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal

from loyalty.adapters import clock
from loyalty.domain import balances, calendar, earning, holdout, kpis, tiers
from loyalty.domain import referrals as referral_rules
from loyalty.domain.bookings import Booking
from loyalty.domain.errors import InvalidInput, LoyaltyError, MemberNotFound, OrderNotFound
from loyalty.domain.events import Event
from loyalty.domain.refunds import Paid
from loyalty.models.common import MAX_SAFE_INTEGER, rfc3339
from loyalty.models.member import Member
from loyalty.models.order import BonusOut, BreakdownLine, OrderAccrued, OrderRead, OrderRequest, RefundOut
from loyalty.models.program import Program
from loyalty.services import budgets, challenges, memberships
from loyalty.services import program as programs
from loyalty.services.member_writes import Recorded, active_state, check_owner, lots_after, with_points
from loyalty.services.views import member_view
from loyalty.store import campaigns as campaign_store
from loyalty.store import member_reads, write_loop
from loyalty.store import orders as order_store
from loyalty.store import referrals as referral_store
from loyalty.store.entries import EntryFields
from loyalty.store.member_reads import MemberState
from loyalty.store.member_record import MemberRecord
from loyalty.store.orders import OrderRecord
from loyalty.store.referrals import ReferralRecord
from loyalty.store.unit_of_work import EntryPut, MemberChange, Retry
from loyalty.store.write_loop import Planned

Accrued = Recorded[OrderAccrued]  # what the route answers: 201 when created now, else 200


# How far ahead of our clock a storefront's placed_at may be (clocks drift; a day ahead is a bug).
FUTURE_SKEW = timedelta(minutes=5)


def check_order(request: OrderRequest, program: Program, now: datetime) -> None:
    """What only the program and the clock can tell of an order: its currency, and that it was placed
    recently (within max_order_age_days) and not in the future."""
    if request.currency != program.currency:
        raise InvalidInput(f"This program's currency is {program.currency}.", ["body", "currency"])
    if request.placed_at > now + FUTURE_SKEW:
        raise InvalidInput("placed_at is in the future: an order is sent once it is placed.", ["body", "placed_at"])
    if request.placed_at < now - timedelta(days=program.max_order_age_days):
        raise InvalidInput(
            f"placed_at is more than {program.max_order_age_days} days ago: this program takes orders for "
            "that long after they are placed.",
            ["body", "placed_at"],
        )


def check_points(points: int, balance_before: int, program: Program) -> None:
    limit = min(program.max_points_per_order or MAX_SAFE_INTEGER, MAX_SAFE_INTEGER)
    if points > limit:
        raise InvalidInput(
            f"This order would earn {points} points; an order may earn at most {limit}.", ["body", "lines"]
        )
    if balance_before + points > MAX_SAFE_INTEGER:
        raise InvalidInput("This order would take the member's points beyond 2^53 - 1.", ["body", "lines"])


def accrue(request: OrderRequest, key_id: str | None = None, paid: Paid | None = None) -> Accrued:
    """Credit the order once. ``paid`` (the integrations only) is what the platform says the order
    cost, kept on the order item so its refunds by amount count only the goods' share."""
    program = programs.current()
    check_order(request, program, clock.now())
    known = campaign_store.known()  # what budget shares were seen to hold lately: a guide, never trusted

    def replayed(stored: OrderRecord) -> Accrued:
        # The same order id, whatever the body: the first result.
        check_owner(stored.member_id, request.member_id, "order_id")
        return Accrued(replay(stored, program), created=False)

    def lost(error: LoyaltyError) -> Accrued | None:
        if not isinstance(error, MemberNotFound):
            return None
        stored = order_store.get_order(request.order_id)
        return None if stored is None else replayed(stored)

    # The member as last read, kept for the next round when only a budget's share stood in the way: the
    # cancelled transaction changed nothing and the member's version still guards it, so the round
    # after a short share is one round trip (the transaction), not two.
    kept: list[MemberState] = []  # the member for the next round, when it may be used again
    last: list[MemberState] = []  # the member this round read

    def read(_: int) -> MemberState:
        last[:] = [kept.pop() if kept else active_state(request.member_id)]
        return last[0]

    def retried(outcome: Retry) -> bool:
        if unsplit := campaign_store.unsplit(outcome):
            # Upgraded from the single counter with the program not stored since: split its budgets now
            # (the old counter counts as given), once; the order then takes its bonus from a share.
            budgets.split(program)
            for campaign_id in unsplit:
                known.pop(campaign_id, None)
            kept[:] = last
            return True
        learned = campaign_store.learn(outcome)
        for campaign_id, shares in learned.items():
            known[campaign_id] = {**known.get(campaign_id, {}), **shares}
        # A share seen anew needs no pause: the next plan takes what is left there, the rest elsewhere.
        only_shares = bool(learned) and all(campaign_store.is_share_role(role) for role in outcome.failed)
        kept[:] = last if only_shares else []
        return only_shares

    return write_loop.write(
        read,
        lambda state: plan(request, state, program, clock.now(), key_id, known, paid),
        replayed,
        # Orders of a budgeted campaign race on its shares besides the member: a sale's rounds.
        budget=write_loop.STOCKED if budgets.budgeted(program) else write_loop.MEMBER,
        contended=f"Order '{request.order_id}' could not be recorded; retry it.",
        retried=retried,
        lost=lost,
    )


def campaign_uses(
    before: dict[str, int] | None, benefited: frozenset[str], program: Program, now: datetime
) -> dict[str, int]:
    """The member's count of orders per limited campaign after this order: the campaigns that benefited
    count one more; campaigns no longer in the program, or that no order can be judged in any more
    (ended longer ago than orders may be late), are dropped, so the map stays as small as the program."""
    horizon = now - timedelta(days=program.max_order_age_days) - FUTURE_SKEW
    limited = {c.campaign_id for c in program.campaigns if c.per_member_limit is not None and c.ends_at > horizon}
    uses = {cid: count for cid, count in (before or {}).items() if cid in limited}
    for cid in benefited & limited:
        uses[cid] = uses.get(cid, 0) + 1
    return uses


def plan(
    request: OrderRequest,
    state: MemberState,
    program: Program,
    now: datetime,
    key_id: str | None,
    known: budgets.Known | None = None,
    paid: Paid | None = None,
) -> Planned[OrderRecord, Accrued]:
    """Everything the accrual writes, decided from one read of the member (and what earlier attempts saw
    of campaign budgets' shares: ``known``). An order that would earn beyond the program's limits is
    refused."""
    member = state.member
    now_text = rfc3339(now)
    zone = program.zone
    today = calendar.local_day(now, zone)
    levels = programs.tier_levels(program)
    tier = tiers.by_name(member.tier, levels)
    held = memberships.standing(member, program, now).tier  # a paid membership's tier floor earns at its rate
    lines = [
        earning.OrderLine(ln.sku, ln.category, ln.quantity, ln.unit_price_minor, ln.discount_minor)
        for ln in request.lines
    ]
    earned = earning.earn(
        lines,
        request.discount_minor,
        programs.earning_rules(program),
        earning.Context(
            request.placed_at,
            held.name,
            held.multiplier,
            campaign_uses=dict(member.campaign_uses),
            budget_left=budgets.left_for(program, request.order_id, known or {}),
            campaigns_withheld=holdout.withholds(program.holdout, member.holdout, "campaigns"),
        ),
    )
    check_points(earned.points, member.balances.lifetime_earned, program)
    earned_day = calendar.local_day(request.placed_at, zone)
    available_at = calendar.available_at(request.placed_at, zone, program.pending_days)
    # Without a pending period points are available at once, even when the storefront's clock runs
    # ahead of ours and placed_at lies a little in the future.
    pending = program.pending_days > 0 and available_at > now
    credit = balances.credit(member.balances, earned.points, pending=pending)
    window = program.tier_window_days
    qualifying = tiers.earn(member.qualifying, earned_day, earned.points, today, window)
    supported = tiers.tier_for(tiers.qualifying_points(qualifying, today, window), levels)
    new_tier = max(tier, supported, key=lambda level: level.threshold)
    expires_on = calendar.expires_on(
        request.placed_at, zone, program.expiry_months, program.month_expiry_from
    ).isoformat()
    deltas = {expires_on: credit.credited} if credit.credited > 0 and not pending else {}
    after = with_points(
        replace(
            member,
            balances=credit.balances,
            qualifying=qualifying,
            tier=new_tier.name,
            # The grace of a tier just reached starts today (loyalty.domain.tier_review).
            tier_since=today.isoformat() if new_tier.threshold > tier.threshold else member.tier_since,
            last_activity_at=now_text,
            campaign_uses=campaign_uses(dict(member.campaign_uses), earned.benefited, program, now),
            last_order_on=today.isoformat(),
            orders_count=min(member.orders_count + 1, 2),
        ),
        deltas,
        program,
    )
    won = challenges.on_order(after, request, int(earned.net_minor), program, now, key_id)
    after, deltas = won.member, {d: deltas.get(d, 0) + won.deltas.get(d, 0) for d in {*deltas, *won.deltas}}
    after, held_events, granted = memberships.after_order(member, after, request, program, now)  # memberships
    taken = budgets.takes(program, request.order_id, earned.bonuses, known or {})
    counters = budgets.take_items(taken)
    status = "pending" if pending else "available"
    net_total = earned.net_minor  # after line and order discounts: what a refund by amount is a share of
    order = OrderRecord(
        order_id=request.order_id,
        member_id=member.member_id,
        placed_at=rfc3339(request.placed_at),
        points=earned.points,
        credited=credit.credited,
        status=status,
        available_at=rfc3339(available_at),
        lines=[
            order_store.OrderLine(r.sku, ln.quantity, r.points, r.rules, str(r.exact))
            for r, ln in zip(earned.lines, lines, strict=True)
        ],
        bonuses=[
            order_store.Bonus(b.campaign_id, b.points, b.limited, budgets.shares_text(taken.get(b.campaign_id)))
            for b in earned.bonuses
        ],
        net_total=str(net_total),
        answered_status=status,
        earned_day=earned_day.isoformat(),
        expires_on=expires_on if credit.credited > 0 else None,
        pending_left=credit.credited if pending else 0,
        matures_on=calendar.local_day(available_at, zone).isoformat() if pending and credit.credited > 0 else None,
        paid=paid,
        grp="h" if member.holdout else None,
        ec=member.enrolled_at[:7] or None,
        challenges=won.counted,
        granted=granted,
        entry=EntryFields(
            member.member_id,
            "earn",
            f"earn:{request.order_id}",
            earned.points,
            credit.balances.available,
            now_text,
            key_id,
        ),
    )
    events = [
        Event(
            "points.earned",
            {
                "order_id": request.order_id,
                "points": earned.points,
                "status": status,
                "available_at": order.available_at,
            },
        ),
        *held_events,
        *won.events,
    ]
    started = referral_started(member, program, order, pending, today.isoformat(), now_text)
    if started is not None:
        after = replace(after, referral=started.state)
        counters.append(referral_store.started(started))
    change = MemberChange(
        before=member,
        after=after,
        at=now_text,
        events=events,
        entry=EntryPut(order.to_item(), OrderRecord.from_item),
        lots_before=state.lots,
        lot_deltas=deltas,
        more=[*counters, *won.entries],
        booking=Booking(
            "issued_sales",
            today.isoformat(),
            value=program.point_value_minor,
            source="sale",
            counters={
                **kpis.order_counters(member.last_order_on, member.orders_count, today, net_total),
                **({"pending_p": Decimal(credit.credited)} if pending and credit.credited else {}),
            },
            other=won.deltas,  # challenges' rewards: issued_other
        ),
        portions_before=state.portions,
        hold=program.month_expiry_from is not None,
    )
    answer = OrderAccrued(
        order_id=request.order_id,
        member_id=member.member_id,
        points=earned.points,
        status=status,
        available_at=available_at,
        breakdown=[BreakdownLine(sku=line.sku, points=line.points, rules=line.rules) for line in earned.lines],
        bonuses=[
            BonusOut(campaign_id=bonus.campaign_id, points=bonus.points, limited=bonus.limited)
            for bonus in earned.bonuses
        ],
        member=member_view(after, lots_after(state.lots, deltas), program, now, through_month=state.through_month),
    )
    return Planned(change, Accrued(answer, created=True))


def referral_started(
    member: MemberRecord, program: Program, order: OrderRecord, pending: bool, today: str, now_text: str
) -> ReferralRecord | None:
    """The referee's record this order starts, if it may complete the member's referral: the member was
    referred, no earlier order completed it or waits to, and the order is big enough. Pending, it waits
    for the maturing job on the order's day; without pending points it completes now."""
    rules = program.referrals
    if rules is None or member.referred_by is None or member.referral is not None:
        return None
    if not referral_rules.order_qualifies(order.net_total, "0", rules.min_order_minor):
        return None
    if not pending:
        return ReferralRecord(
            member.member_id, member.referred_by, "completed", order.order_id, today, completed_at=now_text
        )
    day = order.matures_on or calendar.local_day(datetime.fromisoformat(order.available_at), program.zone).isoformat()
    return ReferralRecord(member.member_id, member.referred_by, "candidate", order.order_id, day)


def replay(order: OrderRecord, program: Program) -> OrderAccrued:
    """The first result of an order, with the member as it is now."""
    return _accrued(order, _member_now(order, program))


def read(order_id: str) -> OrderRead:
    """GET /v1/orders/{order_id}: the accrual result as first answered, with the order's refunds."""
    program = programs.current()
    order = order_store.get_order(order_id)
    if order is None:
        raise OrderNotFound(f"No order '{order_id}'.")
    return order_read(order, _member_now(order, program))


def order_read(order: OrderRecord, member: Member) -> OrderRead:
    """The accrual as first answered with the order's refunds since, beside the member given."""
    refunds = [
        RefundOut(refund_id=r.refund_id, points_reversed=r.points_reversed, created_at=r.created_at)
        for r in order.refunds
    ]
    return OrderRead(**dict(_accrued(order, member)), refunds=refunds)


def _member_now(order: OrderRecord, program: Program) -> Member:
    state = member_reads.read(order.member_id)
    if state is None:
        raise MemberNotFound(f"No member '{order.member_id}'.")
    return member_view(state.member, state.lots, program, clock.now(), through_month=state.through_month)


def _accrued(order: OrderRecord, member: Member) -> OrderAccrued:
    return OrderAccrued(
        order_id=order.order_id,
        member_id=order.member_id,
        points=order.points,
        status=order.answered_status or order.status,
        available_at=order.available_at,
        breakdown=[BreakdownLine(sku=ln.sku, points=ln.points, rules=ln.rules) for ln in order.lines],
        bonuses=[BonusOut(campaign_id=b.campaign_id, points=b.points, limited=b.limited) for b in order.bonuses],
        member=member,
    )
