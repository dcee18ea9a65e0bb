"""Redemption: spend points on a reward without ever overspending a balance, a stock or a limit.

Uncontended cost: one Query (the member and its lots) and one TransactWriteItems that stores the
redemption (its own voucher and its redeem entry), debits the member (version-checked), takes the points
from the days that expire soonest (one item per expiry month), takes one unit of stock (or checks the
reward's revision) and, for a reward with a per-member limit, counts the member's redemptions. The reward
itself comes from a short cache; its revision is a condition of the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from loyalty.adapters import clock
from loyalty.domain import calendar, tiers, valuation
from loyalty.domain.bookings import Booking
from loyalty.domain.errors import (
    Contended,
    InsufficientPoints,
    InvalidInput,
    LimitReached,
    LoyaltyError,
    MemberErased,
    MemberNotFound,
    OutOfStock,
    RedemptionCancelled,
    RedemptionNotFound,
    RedemptionUsed,
    RewardNotFound,
    RewardUnavailable,
)
from loyalty.domain.events import Event
from loyalty.domain.spending import NotEnoughPoints, may_redeem, take_soonest_first
from loyalty.models.common import Page, rfc3339
from loyalty.models.member import Member
from loyalty.models.program import Program
from loyalty.models.reward import Redemption, RedemptionRequest
from loyalty.services import program as programs
from loyalty.services import rewards
from loyalty.services.member_writes import active_state, check_owner, lots_after, owner_state, with_points
from loyalty.services.retry import pause
from loyalty.services.views import member_view, state_view
from loyalty.store import activity as activity_store
from loyalty.store import member_reads, transactions, unit_of_work, write_loop
from loyalty.store import redemptions as redemption_store
from loyalty.store.entries import CancelRecord, EntryFields
from loyalty.store.redemptions import RedemptionRecord
from loyalty.store.rewards import RewardRecord
from loyalty.store.unit_of_work import EntryPut, MemberChange, Refused, Replay, Written

# Redemptions by one member race on one version; a loser re-reads and usually finds the answer
# (done, or not enough points) at once, so a generous bound only matters under a storm.
ATTEMPTS = 30
REFUSALS: dict[str, type[LoyaltyError]] = {
    "out_of_stock": OutOfStock,
    "limit_reached": LimitReached,
    "reward_unavailable": RewardUnavailable,
    "insufficient_points": InsufficientPoints,
}


@dataclass(frozen=True)
class Redeemed:
    result: Redemption
    created: bool


def redeem(member_id: str, request: RedemptionRequest, key_id: str | None = None) -> Redeemed:
    program = programs.current()
    fresh = False
    code_attempt = 0
    for attempt in range(ATTEMPTS):
        reward = rewards.cached(request.reward_id, fresh=fresh)
        if reward is None:
            raise RewardNotFound(f"No reward '{request.reward_id}'.")
        try:
            outcome = _attempt(member_id, request, reward, program, code_attempt, key_id)
        except LoyaltyError:
            stored = redemption_store.get(request.redemption_id)
            if stored is not None:  # a retry of a request that already succeeded
                check_owner(stored.member_id, member_id, "redemption_id")
                return Redeemed(view(stored, program), created=False)
            raise
        if isinstance(outcome, Redeemed):
            return outcome
        if outcome == "collision":
            code_attempt += 1
            continue
        fresh = outcome == "refresh"
        pause(min(attempt, 5))
    raise Contended(f"Redemption '{request.redemption_id}' could not be recorded; retry it.")


def _refuse(code: str, detail: str) -> LoyaltyError:
    return REFUSALS[code](detail)


def _attempt(
    member_id: str,
    request: RedemptionRequest,
    reward: RewardRecord,
    program: Program,
    code_attempt: int,
    key_id: str | None,
) -> Redeemed | str:
    state = active_state(member_id, "all")
    member = state.member
    now = clock.now()
    levels = programs.tier_levels(program)
    refusal = may_redeem(
        reward.availability(),
        now,
        cost=reward.cost_points,
        available=member.balances.available,
        member_tier=tiers.by_name(member.tier, levels),
        min_tier=reward.min_tier,
        levels=levels,
    )
    if refusal is not None:
        if refusal.code == "out_of_stock" and not _fresh_out_of_stock(reward):
            return "refresh"  # the cached stock may be stale: only a fresh read may refuse
        raise _refuse(refusal.code, refusal.detail)
    today = calendar.local_day(now, program.zone).isoformat()
    try:
        takes = take_soonest_first(state.lots, reward.cost_points, today)
    except NotEnoughPoints as error:
        # The balance counts points whose day has ended but that the expiry run has not settled yet.
        raise InsufficientPoints(f"Not enough points that are still valid: {error}.") from error
    now_text = rfc3339(now)
    after = replace(
        member,
        balances=replace(member.balances, available=member.balances.available - reward.cost_points),
        last_activity_at=now_text,
    )
    code = redemption_store.code_for(request.redemption_id, code_attempt)
    record = RedemptionRecord(
        redemption_id=request.redemption_id,
        reward_id=reward.reward_id,
        member_id=member_id,
        code=code,
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
    outcome = write_loop.commit_change(
        MemberChange(
            before=member,
            after=after,
            at=now_text,
            events=[
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
                    {"redemption_id": request.redemption_id, "reward_id": reward.reward_id, "code": code},
                ),
            ],
            entry=EntryPut(record.to_item(), RedemptionRecord.from_item),
            lots_before=state.lots,
            lot_deltas=deltas,
            more=more,
            booking=Booking("redeemed", today, portions={p: -n for p, n in record.valued.items()}),
            portions_before=state.portions,
        )
    )
    if isinstance(outcome, Written):
        return Redeemed(_view(record, member_view(after, lots_after(state.lots, deltas), program, now)), created=True)
    if isinstance(outcome, Replay):
        existing = outcome.existing
        if existing.redemption_id != request.redemption_id:
            return "collision"  # another redemption holds the code derived for this one
        check_owner(existing.member_id, member_id, "redemption_id")
        return Redeemed(view(existing, program), created=False)
    if isinstance(outcome, Refused):
        if outcome.reason == "reward_changed":
            return "refresh"  # the admin changed the reward since we cached it
        raise _refuse(outcome.reason, _refusal_detail(outcome.reason, reward))
    return "retry"


def _fresh_out_of_stock(reward: RewardRecord) -> bool:
    fresh = rewards.cached(reward.reward_id, fresh=True)
    return fresh is not None and fresh.stock_remaining is not None and fresh.stock_remaining <= 0


def _refusal_detail(reason: str, reward: RewardRecord) -> str:
    if reason == "limit_reached":
        return f"This reward can be redeemed {reward.per_member_limit} time(s) per member."
    return "This reward is out of stock."


def _view(record: RedemptionRecord, member: object) -> Redemption:
    return Redemption.model_validate(
        {
            "redemption_id": record.redemption_id,
            "reward_id": record.reward_id,
            "member_id": record.member_id,
            "code": record.code,
            "points_spent": record.points_spent,
            "status": record.status,
            "issued_at": record.issued_at,
            "member": member,
        }
    )


def with_member(record: RedemptionRecord, member: Member) -> Redemption:
    """A redemption beside a member view already made (an export shows many with one member)."""
    return _view(record, member)


def view(record: RedemptionRecord, program: Program, now: datetime | None = None) -> Redemption:
    state = member_reads.read(record.member_id)
    if state is None:
        raise RedemptionNotFound(f"No redemption '{record.redemption_id}'.")
    return _view(record, state_view(state, program, now or clock.now()))


def for_member(member_id: str, limit: int, cursor: str | None) -> Page[Redemption]:
    """The member's vouchers, newest first (GET /v1/members/{member_id}/redemptions)."""
    program = programs.current()
    try:
        start = activity_store.decode_cursor(cursor, member_id) if cursor else None
    except ValueError as error:
        raise InvalidInput("The cursor is not one this API gave out for this member.", ["query", "cursor"]) from error
    records, last = redemption_store.for_member(member_id, limit, start)
    state = member_reads.read(member_id)
    if state is None:
        raise MemberNotFound(f"No member '{member_id}'.")
    member = state_view(state, program, clock.now())
    return Page[Redemption](
        items=[_view(record, member) for record in records],
        next_cursor=activity_store.encode_cursor(last) if last else None,
    )


def by_code(typed: str) -> Redemption:
    """A voucher as a shopper types it at checkout: any case, spaces and dashes ignored."""
    program = programs.current()
    code = redemption_store.normalized(typed)
    record = redemption_store.by_code(code) if code else None
    if record is None:
        raise RedemptionNotFound("No voucher with this code.")
    return view(record, program)


def _existing(redemption_id: str) -> RedemptionRecord:
    record = redemption_store.get(redemption_id)
    if record is None:
        raise RedemptionNotFound(f"No redemption '{redemption_id}'.")
    return record


def use(redemption_id: str) -> Redemption:
    """Issued -> used, once; a used one answers as it is, a cancelled one is refused."""
    program = programs.current()
    target = ""  # the member whose outbox says so: the voucher's, or the one it was merged into
    for attempt in range(ATTEMPTS):
        record = _existing(redemption_id)
        target = target or record.member_id
        if record.status == "used":
            return view(record, program)
        if record.status == "cancelled":
            raise RedemptionCancelled("A cancelled voucher cannot be used.")
        now_text = rfc3339(clock.now())
        result = transactions.run(
            [
                redemption_store.set_status(record, "used", now_text),
                unit_of_work.touch(
                    target,
                    [Event("redemption.used", {"redemption_id": redemption_id, "reward_id": record.reward_id})],
                    now_text,
                ),
            ]
        )
        if result.written:
            return view(replace(record, status="used", used_at=now_text), program)
        if result.failed_role("member"):
            state = member_reads.read(target, "none")
            if state is not None and state.member.merged_into is not None and state.member.status == "merged":
                target = state.member.merged_into  # a voucher bought before a takeover is the taker's to use
                continue
            raise MemberErased(f"Member '{record.member_id}' was erased.")
        pause(min(attempt, 5))  # used or cancelled meanwhile: the next round reads which
    raise Contended(f"Redemption '{redemption_id}' could not be used; retry it.")


def cancel(redemption_id: str, key_id: str | None = None) -> Redemption:
    """Give the points back to the days they came from and return the stock."""
    program = programs.current()
    for attempt in range(ATTEMPTS):
        record = _existing(redemption_id)
        if record.status == "cancelled":
            return view(record, program)
        if record.status == "used":
            raise RedemptionUsed("A used voucher cannot be cancelled.")
        done = _cancel(record, program, key_id)
        if done is not None:
            return done
        pause(min(attempt, 5))
    raise Contended(f"Redemption '{redemption_id}' could not be cancelled; retry it.")


def _cancel(record: RedemptionRecord, program: Program, key_id: str | None) -> Redemption | None:
    state = owner_state(record.member_id)  # bought before a takeover: the points go back to the taker
    member = state.member
    now = clock.now()
    now_text = rfc3339(now)
    # Points go back with their expiry days; a day that has ended since moves the member's expiry day to
    # it, so they leave through the next expiry run instead of becoming a gift.
    after = with_points(
        replace(
            member,
            balances=replace(member.balances, available=member.balances.available + record.points_spent),
            last_activity_at=now_text,
        ),
        record.takes,
        program,
    )
    cancel_entry = CancelRecord(
        record.redemption_id,
        EntryFields(
            member.member_id,
            "redemption_cancel",
            f"cancel:{record.redemption_id}",
            record.points_spent,
            after.balances.available,
            now_text,
            key_id,
        ),
    )
    more = [redemption_store.set_status(record, "cancelled", now_text)]
    reward = rewards.cached(record.reward_id, fresh=True)
    # Stock goes back only to a reward whose stock is still counted: one made unlimited stays unlimited.
    if record.stock_taken and reward is not None and reward.stock_remaining is not None:
        more.append(redemption_store.return_stock(record.reward_id))
    if record.limit_counted:
        more.append(redemption_store.uncount_redemption(record.member_id, record.reward_id))
    outcome = write_loop.commit_change(
        MemberChange(
            before=member,
            after=after,
            at=now_text,
            events=[
                Event(
                    "redemption.cancelled",
                    {
                        "redemption_id": record.redemption_id,
                        "reward_id": record.reward_id,
                        "points": record.points_spent,
                    },
                )
            ],
            entry=EntryPut(cancel_entry.to_item(), CancelRecord.from_item),
            lots_before=state.lots,
            lot_deltas=record.takes,
            more=more,
            booking=Booking(
                "redemptions_cancelled",
                calendar.local_day(now, program.zone).isoformat(),
                portions=record.valued or valuation.credit(record.takes, "other", Decimal(0)),
            ),
            portions_before=state.portions,
        )
    )
    if isinstance(outcome, Written):
        lots = lots_after(state.lots, record.takes)
        member_answer = member_view(after, lots, program, now, through_month=state.through_month)
        return _view(replace(record, status="cancelled", cancelled_at=now_text), member_answer)
    if isinstance(outcome, Refused) and outcome.reason == "redemption_used":
        raise RedemptionUsed("A used voucher cannot be cancelled.")
    return None  # cancelled by a concurrent call, or the member changed: the next round reads which
