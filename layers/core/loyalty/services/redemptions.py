"""Redemption: spend points on a reward without ever overspending a balance, a stock or a limit.

Uncontended cost: one Query (the member and its lots) and one TransactWriteItems that stores the
redemption (its own voucher and its redeem entry), debits the member (version-checked), takes the points
from the days that expire soonest (one item per expiry month), takes one unit of stock (or checks the
reward's revision) and, for a reward with a per-member limit, counts the member's redemptions. The reward
itself comes from a short cache; its revision is a condition of the transaction.

``redeem`` is one write of the write loop (loyalty.store.write_loop) planned by the pure ``plan``; a
voucher's later life (used, cancelled) is in loyalty.services.vouchers, its views in
loyalty.services.redemption_views.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from loyalty.adapters import clock
from loyalty.domain import calendar, valuation
from loyalty.domain.bookings import Booking
from loyalty.domain.errors import (
    InsufficientPoints,
    LimitReached,
    LoyaltyError,
    OutOfStock,
    RewardNotFound,
    RewardUnavailable,
)
from loyalty.domain.events import Event
from loyalty.domain.spending import NotEnoughPoints, may_redeem, take_soonest_first
from loyalty.models.common import rfc3339
from loyalty.models.program import Program
from loyalty.models.reward import Redemption, RedemptionRequest
from loyalty.services import memberships, rewards
from loyalty.services import program as programs
from loyalty.services.member_writes import Recorded, active_state, check_owner, lots_after
from loyalty.services.redemption_views import by_code, for_member, redemption_view, view, with_member
from loyalty.services.views import EXPIRING_SHOWN, member_view
from loyalty.services.vouchers import cancel, use
from loyalty.store import redemptions as redemption_store
from loyalty.store import write_loop
from loyalty.store.entries import EntryFields
from loyalty.store.member_reads import MemberState, ReadLots, Spending
from loyalty.store.redemptions import RedemptionRecord
from loyalty.store.rewards import RewardRecord
from loyalty.store.unit_of_work import EntryPut, MemberChange, Refused
from loyalty.store.write_loop import Again, Planned, Step

# The routes' use cases of a voucher, whichever module holds them.
__all__ = ["Redeemed", "by_code", "cancel", "for_member", "plan", "redeem", "use", "view", "with_member"]

REFUSALS: dict[str, type[LoyaltyError]] = {
    "out_of_stock": OutOfStock,
    "limit_reached": LimitReached,
    "reward_unavailable": RewardUnavailable,
    "insufficient_points": InsufficientPoints,
}


Redeemed = Recorded[Redemption]  # what the route answers: 201 when created now, else 200


@dataclass(frozen=True)
class RedeemRead:
    """What one round of a redemption read: the reward (from the short cache unless ``fresh``), the
    member with the lots that pay for it (the months that expire soonest, or all of them), and the
    voucher code the round derives (the next one after a collision)."""

    reward: RewardRecord
    fresh: bool
    state: MemberState
    code: str


@dataclass
class _Rounds:
    """What a lost round tells the next one: read the reward fresh (the cached one was stale), derive
    the next code (another redemption holds this one)."""

    fresh: bool = False
    code_attempt: int = 0
    every_month: bool = False  # the months read did not hold the points after all: read them all
    reward: RewardRecord | None = None  # as the last round read it


def redeem(member_id: str, request: RedemptionRequest, key_id: str | None = None) -> Redeemed:
    program = programs.current()
    rounds = _Rounds()

    def read(_: int) -> RedeemRead:
        reward = rewards.cached(request.reward_id, fresh=rounds.fresh)
        if reward is None:
            raise RewardNotFound(f"No reward '{request.reward_id}'.")
        fresh, rounds.fresh, rounds.reward = rounds.fresh, False, reward
        code = redemption_store.code_for(request.redemption_id, rounds.code_attempt)
        today = calendar.local_day(clock.now(), program.zone).isoformat()
        # The months that pay, and show the answer's next expiry days; all of them if that was not enough.
        lots: ReadLots = "all" if rounds.every_month else Spending(reward.cost_points, today, EXPIRING_SHOWN)
        return RedeemRead(reward, fresh, active_state(member_id, lots), code)

    def planned(redeem_read: RedeemRead) -> Step[RedemptionRecord, Redeemed]:
        step = plan(member_id, request, key_id, program, clock.now(), redeem_read)
        again = isinstance(step, Again)
        rounds.fresh = again  # a cached stock said none left: read it fresh
        rounds.every_month = rounds.every_month or (again and not redeem_read.state.complete)
        return step

    def replayed(existing: RedemptionRecord) -> Redeemed:
        check_owner(existing.member_id, member_id, "redemption_id")
        return Redeemed(view(existing, program), created=False)

    def replay(existing: RedemptionRecord) -> Redeemed | Again:
        if existing.redemption_id != request.redemption_id:
            rounds.code_attempt += 1  # another redemption holds the code derived for this one
            return Again(pause=False)
        return replayed(existing)

    def lost(error: LoyaltyError) -> Redeemed | None:
        """A retry of a request that already succeeded answers as it did (a reward never there stays so)."""
        if isinstance(error, RewardNotFound):
            return None
        stored = redemption_store.get(request.redemption_id)
        return None if stored is None else replayed(stored)

    def refused(outcome: Refused) -> Redeemed | Again:
        if outcome.reason == "reward_changed":
            rounds.fresh = True  # the admin changed the reward since it was cached
            return Again()
        assert rounds.reward is not None  # read before any write
        error = REFUSALS[outcome.reason](_refusal_detail(outcome.reason, rounds.reward))
        answer = lost(error)
        if answer is None:
            raise error
        return answer

    return write_loop.write(
        read,
        planned,
        replay,
        budget=write_loop.STOCKED,
        contended=f"Redemption '{request.redemption_id}' could not be recorded; retry it.",
        refused=refused,
        lost=lost,
    )


def plan(
    member_id: str,
    request: RedemptionRequest,
    key_id: str | None,
    program: Program,
    now: datetime,
    read: RedeemRead,
) -> Planned[RedemptionRecord, Redeemed] | Again:
    """The redemption of the reward by the member as read: refused when the reward is closed, above the
    member's tier, out of stock or beyond its points (Again when only the cached stock says none left:
    only a fresh read may refuse for it); otherwise the points taken from the days that expire soonest,
    one unit of stock and, for a reward with a per-member limit, one more of the member's redemptions of
    it, the stock and the limit being conditions of the write."""
    reward, state = read.reward, read.state
    member = state.member
    levels = programs.tier_levels(program)
    refusal = may_redeem(
        reward.availability(),
        now,
        cost=reward.cost_points,
        available=member.balances.available,
        member_tier=memberships.standing(member, program, now).tier,  # a paid membership's floor counts
        min_tier=reward.min_tier,
        levels=levels,
    )
    if refusal is not None:
        if refusal.code == "out_of_stock" and not read.fresh:
            return Again(pause=False)
        raise REFUSALS[refusal.code](refusal.detail)
    today = calendar.local_day(now, program.zone).isoformat()
    try:
        takes = take_soonest_first(state.lots, reward.cost_points, today)
    except NotEnoughPoints as error:
        if not state.complete:
            return Again(pause=False)  # the day ended between the read and now: read every month
        # The balance counts points whose day has ended but that the expiry run has not settled yet.
        raise InsufficientPoints(f"Not enough points that are still valid: {error}.") from error
    now_text = rfc3339(now)
    after = replace(
        member,
        balances=replace(member.balances, available=member.balances.available - reward.cost_points),
        last_activity_at=now_text,
    )
    record = RedemptionRecord(
        redemption_id=request.redemption_id,
        reward_id=reward.reward_id,
        member_id=member_id,
        code=read.code,
        points_spent=reward.cost_points,
        status="issued",
        issued_at=now_text,
        takes=takes,
        valued=valuation.take(state.portions, takes),
        stock_taken=reward.stock_remaining is not None,
        limit_counted=reward.per_member_limit is not None,
        entry=EntryFields(
            member_id,
            "redeem",
            f"redeem:{request.redemption_id}",
            -reward.cost_points,
            after.balances.available,
            now_text,
            key_id,
        ),
    )
    more = [redemption_store.take_stock(reward.reward_id, reward.revision, record.stock_taken)]
    if reward.per_member_limit is not None:
        more.append(redemption_store.count_redemption(member_id, reward.reward_id, reward.per_member_limit))
    deltas = {day: -points for day, points in takes.items()}
    change = MemberChange.of(
        state,
        after,
        now_text,
        [
            Event(
                "points.redeemed",
                {
                    "redemption_id": request.redemption_id,
                    "reward_id": reward.reward_id,
                    "points": reward.cost_points,
                },
            ),
            Event(
                "redemption.issued",
                {"redemption_id": request.redemption_id, "reward_id": reward.reward_id, "code": read.code},
            ),
        ],
        entry=EntryPut(record.to_item(), RedemptionRecord.from_item),
        lot_deltas=deltas,
        more=more,
        booking=Booking("redeemed", today, portions={p: -n for p, n in record.valued.items()}),
    )
    shown = member_view(after, lots_after(state.lots, deltas), program, now, through_month=state.through_month)
    return Planned(change, Redeemed(redemption_view(record, shown), created=True))


def _refusal_detail(reason: str, reward: RewardRecord) -> str:
    if reason == "limit_reached":
        return f"This reward can be redeemed {reward.per_member_limit} time(s) per member."
    return "This reward is out of stock."
