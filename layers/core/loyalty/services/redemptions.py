"""Redemption: spend points on a reward without ever overspending a balance, a stock or a limit.

Uncontended cost: one Query (member, lots, redemption counters) and one TransactWriteItems that
stores the redemption and its voucher code, debits the member (version-checked), takes the points
from the soonest-expiring lots, takes one unit of stock and counts the member's redemptions. The
reward itself comes from a short cache; its revision is a condition of the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from loyalty.adapters import clock, randomness
from loyalty.domain import calendar, tiers
from loyalty.domain.errors import (
    InsufficientPoints,
    LimitReached,
    LoyaltyError,
    OutOfStock,
    RedemptionCancelled,
    RedemptionNotFound,
    RedemptionUsed,
    RewardNotFound,
    RewardUnavailable,
)
from loyalty.domain.spending import NotEnoughPoints, take_soonest_first
from loyalty.models.common import rfc3339
from loyalty.models.program import Program
from loyalty.models.reward import Redemption, RedemptionRequest
from loyalty.services import program as programs
from loyalty.services import rewards
from loyalty.services.ledger import active_partition, apply_lot, balance_update, balances_of, entry_fields, lots_of
from loyalty.services.member_view import member_view
from loyalty.services.retry import Contended, pause
from loyalty.store import keys, transactions
from loyalty.store import orders as order_store
from loyalty.store import redemptions as redemption_store
from loyalty.store.client import Item
from loyalty.store.members import MemberPartition, read_partition

# Redemptions by one member race on one version; a loser re-reads and usually finds the answer
# (done, or not enough points) at once, so a generous bound only matters under a storm.
ATTEMPTS = 30
REDEMPTION, VOUCHER, MEMBER, REWARD, COUNTER = 0, 1, 2, 3, 4


@dataclass(frozen=True)
class Redeemed:
    result: Redemption
    created: bool


def redeem(member_id: str, request: RedemptionRequest) -> Redeemed:
    program = programs.current()
    fresh = False
    for attempt in range(ATTEMPTS):
        try:
            outcome = _attempt(member_id, request, program, fresh_reward=fresh)
        except LoyaltyError:
            stored = redemption_store.get(request.redemption_id)
            if stored is not None:  # a retry of a request that already succeeded
                return Redeemed(view(stored, program), created=False)
            raise
        if isinstance(outcome, Redeemed):
            return outcome
        fresh = outcome == "refresh"
        pause(min(attempt, 5))
    raise Contended(f"Redemption '{request.redemption_id}' could not be recorded; retry it.")


def _attempt(member_id: str, request: RedemptionRequest, program: Program, *, fresh_reward: bool) -> Redeemed | str:
    reward = rewards.cached(request.reward_id, fresh=fresh_reward)
    if reward is None:
        raise RewardNotFound(f"No reward '{request.reward_id}'.")
    partition = active_partition(member_id)
    now = clock.now()
    _check_rules(reward, partition, program, now)
    cost = int(reward["cost_points"])
    balances = balances_of(partition.profile)
    if balances.available < cost:
        raise InsufficientPoints(f"The reward costs {cost} points; {balances.available} are available.")
    try:
        # A lot whose day has ended is expired even before the expiry run settles it: never spend it.
        today = calendar.local_day(now, program.zone).isoformat()
        takes = take_soonest_first([lot for lot in lots_of(partition.lots) if lot.expires_on >= today], cost)
    except NotEnoughPoints as error:  # balance and lots disagree only mid-change: read again
        raise InsufficientPoints(str(error)) from error
    now_text = rfc3339(now)
    after = replace(balances, available=balances.available - cost)
    code = randomness.code()
    item: Item = {
        "redemption_id": request.redemption_id,
        "reward_id": request.reward_id,
        "member_id": member_id,
        "code": code,
        "points_spent": cost,
        "status": "issued",
        "issued_at": now_text,
        "takes": takes,
        "stock_taken": reward.get("stock_remaining") is not None,
        **entry_fields(member_id, "redeem", f"redeem:{request.redemption_id}", -cost, after.available, now_text),
    }
    lots_after = partition.lots
    for expires_on, points in takes.items():
        lots_after = apply_lot(lots_after, member_id, expires_on, -points, 0)
    local_day = calendar.local_day(now, program.zone)
    items: list[dict[str, Any]] = [
        redemption_store.put_new(item),
        redemption_store.put_voucher(code, request.redemption_id),
        balance_update(partition.profile, after, lots_after, local_day, last_activity_at=now_text),
        redemption_store.take_stock(request.reward_id, int(reward.get("revision", 0)), item["stock_taken"]),
    ]
    limit = reward.get("per_member_limit")
    if limit is not None:
        items.append(redemption_store.count_redemption(member_id, request.reward_id, int(limit)))
    emptied = {
        lot.expires_on
        for lot in lots_of(partition.lots)
        if not lot.pending and lot.available == takes.get(lot.expires_on)
    }
    for expires_on, points in takes.items():
        change = order_store.LotChange(expires_on, available=-points)
        items.append(order_store.lot_update(member_id, change, guard=True, clear_due=expires_on in emptied))
    outcome = transactions.run(items)
    if outcome.written:
        profile = {**partition.profile, "available": after.available, "last_activity_at": now_text}
        return Redeemed(_view(item, member_view(profile, lots_after, program, now)), created=True)
    if outcome.failed_at(REDEMPTION) and outcome.failed[REDEMPTION]:
        return Redeemed(view(outcome.failed[REDEMPTION] or {}, program), created=False)
    if limit is not None and outcome.failed_at(COUNTER):
        raise LimitReached(f"This reward can be redeemed {limit} time(s) per member.")
    if outcome.failed_at(REWARD):
        old = outcome.failed[REWARD] or {}
        if (
            int(old.get("revision", -1)) != int(reward.get("revision", 0))
            or (old.get("stock_remaining") is None) == item["stock_taken"]
        ):
            return "refresh"  # the admin changed the reward since we cached it
        raise OutOfStock("This reward is out of stock.")
    return "retry"


def _check_rules(reward: Item, partition: MemberPartition, program: Program, now: Any) -> None:
    if not rewards.availability(reward).open_at(now):
        raise RewardUnavailable("This reward is inactive or outside its availability window.")
    min_tier = reward.get("min_tier")
    if min_tier is not None:
        levels = programs.tier_levels(program)
        required = next((level for level in levels if level.name == min_tier), None)
        member_tier = tiers.by_name(partition.profile.get("tier"), levels)
        if required is None or member_tier.threshold < required.threshold:
            raise RewardUnavailable(f"This reward needs tier {min_tier} or above.")
    limit = reward.get("per_member_limit")
    if limit is not None and partition.redeemed.get(str(reward["reward_id"]), 0) >= int(limit):
        raise LimitReached(f"This reward can be redeemed {limit} time(s) per member.")
    if reward.get("stock_remaining") is not None and int(reward["stock_remaining"]) <= 0:
        # The cached stock may be stale; only a fresh read may refuse (the transaction guards too).
        fresh = rewards.cached(str(reward["reward_id"]), fresh=True)
        if fresh is not None and fresh.get("stock_remaining") is not None and int(fresh["stock_remaining"]) <= 0:
            raise OutOfStock("This reward is out of stock.")


def _view(item: Item, member: Any) -> Redemption:
    return Redemption(
        redemption_id=item["redemption_id"],
        reward_id=item["reward_id"],
        member_id=item["member_id"],
        code=item["code"],
        points_spent=int(item["points_spent"]),
        status=item["status"],
        issued_at=item["issued_at"],
        member=member,
    )


def view(item: Item, program: Program) -> Redemption:
    partition = read_partition(str(item["member_id"]))
    if partition is None:
        raise RedemptionNotFound(f"No redemption '{item.get('redemption_id')}'.")
    return _view(item, member_view(partition.profile, partition.lots, program))


def by_code(code: str) -> Redemption:
    program = programs.current()
    item = redemption_store.by_code(code)
    if item is None:
        raise RedemptionNotFound("No voucher with this code.")
    return view(item, program)


def use(redemption_id: str) -> Redemption:
    program = programs.current()
    old = redemption_store.mark_used(redemption_id, rfc3339(clock.now()))
    if old == {}:
        raise RedemptionNotFound(f"No redemption '{redemption_id}'.")
    if old is not None and old.get("status") == "cancelled":
        raise RedemptionCancelled("A cancelled voucher cannot be used.")
    item = redemption_store.get(redemption_id)
    assert item is not None
    return view(item, program)


def cancel(redemption_id: str) -> Redemption:
    """Give the points back to the lots they came from (with their dates) and return the stock."""
    program = programs.current()
    for attempt in range(ATTEMPTS):
        item = redemption_store.get(redemption_id)
        if item is None:
            raise RedemptionNotFound(f"No redemption '{redemption_id}'.")
        if item["status"] == "cancelled":
            return view(item, program)
        if item["status"] == "used":
            raise RedemptionUsed("A used voucher cannot be cancelled.")
        written = _cancel(item, program)
        if written is not None:
            return written
        pause(min(attempt, 5))
    raise Contended(f"Redemption '{redemption_id}' could not be cancelled; retry it.")


def _cancel(item: Item, program: Program) -> Redemption | None:
    member_id = str(item["member_id"])
    partition = read_partition(member_id)
    assert partition is not None
    now = clock.now()
    now_text = rfc3339(now)
    local_day = calendar.local_day(now, program.zone)
    today = local_day.isoformat()
    spent = int(item["points_spent"])
    balances = balances_of(partition.profile)
    after = replace(balances, available=balances.available + spent)
    rid = str(item["redemption_id"])
    items: list[dict[str, Any]] = [
        redemption_store.set_status(rid, "cancelled", now_text),
        redemption_store.put_entry(
            keys.redemption_cancel(rid),
            {
                "redemption_id": rid,
                "member_id": member_id,
                **entry_fields(member_id, "redemption_cancel", f"cancel:{rid}", spent, after.available, now_text),
            },
        ),
    ]
    lots_after = partition.lots
    for expires_on, points in dict(item.get("takes") or {}).items():
        # Points go back with their date. Those whose day has ended wait in today's expiry bucket (see
        # expiry_index), so they leave through the normal expiry path instead of becoming a gift; the
        # others are back in their lot's reminder bucket.
        due = (
            None
            if expires_on < today or expires_on == calendar.NEVER.isoformat()
            else keys.due("EXPIRE", expires_on, member_id, f"LOT#{member_id}#{expires_on}")
        )
        items.append(
            order_store.lot_update(
                member_id,
                order_store.LotChange(expires_on, available=int(points), due_key=due),
                clear_due=due is None,
            )
        )
        lots_after = apply_lot(lots_after, member_id, expires_on, int(points), 0)
    items.append(balance_update(partition.profile, after, lots_after, local_day, last_activity_at=now_text))
    if item.get("stock_taken"):
        items.append(redemption_store.return_stock(str(item["reward_id"])))
    if partition.redeemed.get(str(item["reward_id"]), 0) > 0:
        items.append(redemption_store.uncount_redemption(member_id, str(item["reward_id"])))
    outcome = transactions.run(items)
    if not outcome.written:
        return None
    profile = {**partition.profile, "available": after.available, "last_activity_at": now_text}
    return _view({**item, "status": "cancelled"}, member_view(profile, lots_after, program, now))
