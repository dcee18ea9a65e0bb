"""A voucher after it is issued: used once at checkout, or cancelled with its points given back to the
days they came from and its unit of stock returned. Each is one write of the write loop
(loyalty.store.write_loop) planned by a pure ``plan_use`` / ``plan_cancel``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from loyalty.adapters import clock
from loyalty.domain import calendar, valuation
from loyalty.domain.bookings import Booking
from loyalty.domain.errors import MemberErased, RedemptionCancelled, RedemptionNotFound, RedemptionUsed
from loyalty.domain.events import Event
from loyalty.models.common import rfc3339
from loyalty.models.program import Program
from loyalty.models.reward import Redemption
from loyalty.services import program as programs
from loyalty.services import rewards
from loyalty.services.member_writes import lots_after, owner_state, with_points
from loyalty.services.redemption_views import redemption_view, view
from loyalty.services.views import member_view
from loyalty.store import member_reads, unit_of_work, write_loop
from loyalty.store import redemptions as redemption_store
from loyalty.store.entries import CancelRecord, EntryFields
from loyalty.store.member_reads import MemberState
from loyalty.store.redemptions import RedemptionRecord
from loyalty.store.transactions import TxResult
from loyalty.store.unit_of_work import EntryPut, MemberChange, Outcome, Refused, decide
from loyalty.store.write_loop import Again, Done, Planned, Prepared

# The use's member item failed its condition: the member is gone (erased, or merged into another).
MEMBER_GONE = "member_gone"


def existing(redemption_id: str) -> RedemptionRecord:
    record = redemption_store.get(redemption_id)
    if record is None:
        raise RedemptionNotFound(f"No redemption '{redemption_id}'.")
    return record


# --- use ---------------------------------------------------------------------------------------------


def use(redemption_id: str) -> Redemption:
    """Issued -> used, once; a used one answers as it is, a cancelled one is refused."""
    program = programs.current()
    owner = ""  # the voucher's member
    target = ""  # the member whose outbox says so: the voucher's, or the one it was merged into

    def read(_: int) -> tuple[RedemptionRecord, str]:
        nonlocal owner, target
        record = existing(redemption_id)
        owner, target = record.member_id, target or record.member_id
        return record, target

    def refused(outcome: Refused) -> RedemptionRecord | Again:
        nonlocal target
        if outcome.reason != MEMBER_GONE:
            return Again()  # used or cancelled meanwhile: the next round reads which
        state = member_reads.read(target, "none")
        if state is not None and state.member.merged_into is not None and state.member.status == "merged":
            target = state.member.merged_into  # a voucher bought before a takeover is the taker's to use
            return Again(pause=False)
        raise MemberErased(f"Member '{owner}' was erased.")

    used = write_loop.write(
        read,
        lambda round_read: plan_use(*round_read, clock.now()),
        budget=write_loop.STOCKED,
        contended=f"Redemption '{redemption_id}' could not be used; retry it.",
        refused=refused,
    )
    return view(used, program)


def plan_use(
    record: RedemptionRecord, target: str, now: datetime
) -> Done[RedemptionRecord] | Prepared[None, RedemptionRecord]:
    """The voucher marked used, and ``redemption.used`` in the outbox of ``target`` (its member, or the
    one that took it over); the answer is the voucher as it then stands."""
    if record.status == "used":
        return Done(record)
    if record.status == "cancelled":
        raise RedemptionCancelled("A cancelled voucher cannot be used.")
    now_text = rfc3339(now)
    event = Event("redemption.used", {"redemption_id": record.redemption_id, "reward_id": record.reward_id})
    return Prepared(
        [redemption_store.set_status(record, "used", now_text), unit_of_work.touch(target, [event], now_text)],
        replace(record, status="used", used_at=now_text),
        outcome=_use_outcome,
    )


def _use_outcome(result: TxResult) -> Outcome[None]:
    """A failed member condition is told first: a member gone answers so whatever the voucher says."""
    if not result.written and result.failed_role("member"):
        return Refused(MEMBER_GONE)
    return decide(result, None)


# --- cancel ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CancelRead:
    """What a cancellation reads: the voucher; for an issued one, its owner (the member that took its
    member over, after a takeover) with its lots, and whether its reward still counts its stock."""

    record: RedemptionRecord
    state: MemberState | None = None
    stock_counted: bool = False


def cancel(redemption_id: str, key_id: str | None = None) -> Redemption:
    """Give the points back to the days they came from and return the stock."""
    program = programs.current()

    def read(_: int) -> CancelRead:
        record = existing(redemption_id)
        if record.status != "issued":
            return CancelRead(record)
        state = owner_state(record.member_id)  # bought before a takeover: the points go back to the taker
        reward = rewards.cached(record.reward_id, fresh=True)
        return CancelRead(record, state, reward is not None and reward.stock_remaining is not None)

    def refused(outcome: Refused) -> Redemption | RedemptionRecord | Again:
        if outcome.reason == "redemption_used":
            raise RedemptionUsed("A used voucher cannot be cancelled.")
        return Again()  # cancelled by a concurrent call: the next round reads it so

    answer = write_loop.write(
        read,
        lambda cancel_read: plan_cancel(cancel_read, key_id, program, clock.now()),
        lambda _: Again(),  # the cancel entry stands: a concurrent call cancelled it, the next round shows it
        budget=write_loop.STOCKED,
        contended=f"Redemption '{redemption_id}' could not be cancelled; retry it.",
        refused=refused,
    )
    return answer if isinstance(answer, Redemption) else view(answer, program)


def plan_cancel(
    read: CancelRead, key_id: str | None, program: Program, now: datetime
) -> Done[Redemption | RedemptionRecord] | Planned[CancelRecord, Redemption | RedemptionRecord]:
    """The points back on the days they were taken from, the voucher cancelled, the stock (if the reward
    still counts it) and the member's count of the reward given back. A cancelled voucher answers as it
    is; a used one is refused."""
    record = read.record
    if record.status == "cancelled":
        return Done(record)
    if record.status == "used":
        raise RedemptionUsed("A used voucher cannot be cancelled.")
    state = read.state
    if state is None:  # read for every issued voucher
        raise ValueError(f"a voucher '{record.status}' to cancel without its member")
    member = state.member
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
    # Stock goes back only to a reward whose stock is still counted: one made unlimited stays unlimited.
    if record.stock_taken and read.stock_counted:
        more.append(redemption_store.return_stock(record.reward_id))
    if record.limit_counted:
        more.append(redemption_store.uncount_redemption(record.member_id, record.reward_id))
    change = MemberChange.of(
        state,
        after,
        now_text,
        [
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
        lot_deltas=record.takes,
        more=more,
        booking=Booking(
            "redemptions_cancelled",
            calendar.local_day(now, program.zone).isoformat(),
            portions=record.valued or valuation.credit(record.takes, "other", Decimal(0)),
        ),
    )
    member_answer = member_view(
        after, lots_after(state.lots, record.takes), program, now, through_month=state.through_month
    )
    return Planned(change, redemption_view(replace(record, status="cancelled", cancelled_at=now_text), member_answer))
