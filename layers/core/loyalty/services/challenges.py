"""Challenges and badges in the member's writes (loyalty.domain.challenges has the rules) and their views.

An accrual moves the progress of the program's open challenges on the member item it writes anyway; a
completion adds its ``bonus`` entry (and its points, in the lot of points earned today) to the same
TransactWriteItems, which the member's version guards: of any number of orders racing on one member,
exactly one completes a challenge. A member with no challenge, in a program without any, writes nothing
more. A refund takes back what its order added and, when that undoes a completion, its reward, as
refunds reverse points (its lots, then debt).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from fractions import Fraction

from loyalty.adapters import clock
from loyalty.domain import balances, calendar
from loyalty.domain import challenges as rules
from loyalty.domain.errors import MemberNotFound
from loyalty.domain.events import Event
from loyalty.domain.spending import spendable
from loyalty.models.challenges import ChallengeProgress
from loyalty.models.common import Page, rfc3339
from loyalty.models.order import OrderRequest
from loyalty.models.program import Program
from loyalty.services import program as programs
from loyalty.services.member_writes import lots_after, with_points
from loyalty.store import keys, member_reads, unit_of_work
from loyalty.store.entries import EntryFields
from loyalty.store.member_record import MemberRecord
from loyalty.store.orders import OrderRecord
from loyalty.store.transactions import TxItem

ROLE = "challenge_bonus"


@dataclass(frozen=True)
class Moved:
    """What challenges add to a member's write: the member after it, what the order counted (accruals),
    the bonus entries, events and lot deltas of rewards credited (+) or reversed (-)."""

    member: MemberRecord
    counted: dict[str, rules.Counted] = field(default_factory=dict)
    entries: list[TxItem] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    deltas: dict[str, int] = field(default_factory=dict)
    reversed_points: int = 0
    to_debt: int = 0


def _entry(member: MemberRecord, entry_id: str, points: int, at: str, key_id: str | None, **more: object) -> TxItem:
    fields = EntryFields(member.member_id, "bonus", entry_id, points, member.balances.available, at, key_id)
    # A reversal that went to debt says how much (to_debt), as a refund entry does.
    extra = {name: value for name, value in more.items() if value}
    return unit_of_work.entry_put({**keys.bonus(entry_id), **fields.to_item(), **extra}, ROLE)


def on_order(
    member: MemberRecord,
    request: OrderRequest,
    spend_minor: int,
    program: Program,
    now: datetime,
    key_id: str | None,
) -> Moved:
    """The member after the order moved its challenges (``member``: as the accrual leaves it)."""
    if not program.challenges and not member.challenges:
        return Moved(member)  # the common case costs nothing
    today = calendar.local_day(now, program.zone)
    order = rules.Order(
        calendar.local_day(request.placed_at, program.zone),
        spend_minor,
        frozenset(line.category for line in request.lines if line.category),
    )
    opened = {c.challenge_id: c.open_at(request.placed_at) for c in program.challenges}
    seconds = int(now.timestamp())
    moved = rules.on_order(program.challenges, member.challenges, order, opened, today, seconds)
    after = replace(member, challenges=moved.progress)
    at = rfc3339(now)
    entries: list[TxItem] = []
    events: list[Event] = []
    deltas: dict[str, int] = {}
    day = calendar.expires_on(now, program.zone, program.expiry_months, program.month_expiry_from).isoformat()
    for done in moved.completed:
        cid = done.challenge.challenge_id
        if done.points:
            # As the other bonuses (signup, member events): available at once, no earning (lifetime_earned
            # and the tier's qualifying points stay).
            after = replace(after, balances=replace(after.balances, available=after.balances.available + done.points))
            deltas[day] = deltas.get(day, 0) + done.points
            entries.append(_entry(after, f"challenge:{cid}:{request.order_id}", done.points, at, key_id,
                                  reason="challenge", challenge_id=cid))  # fmt: skip
        data: dict[str, object] = {"points": done.points, "reason": "challenge", "challenge_id": cid}
        if done.challenge.badge:
            data["badge"] = done.challenge.badge
        events.append(Event("points.bonus", data))
    awarded = [d.challenge.badge for d in moved.completed if d.challenge.badge]
    after = replace(after, badges=rules.badges_after(member.badges, awarded, (), seconds))
    after = with_points(after, deltas, program)
    return Moved(after, moved.counted, entries, events, deltas)


def on_refund(
    member: MemberRecord,
    order: OrderRecord,
    shares: tuple[Fraction, Fraction],
    lots: Mapping[str, int],
    program: Program,
    now: datetime,
    refund_id: str,
    key_id: str | None,
) -> Moved:
    """The member after a refund of ``order`` (its refunded share going from ``shares[0]`` to
    ``shares[1]``) took back what the order added to challenges; ``member`` and ``lots``: as the
    refund's own reversal leaves them."""
    if not order.challenges or not member.challenges:
        return Moved(member)
    before, now_share = shares
    full = now_share >= 1 > before
    today = calendar.local_day(now, program.zone)
    by_id = {c.challenge_id: c for c in program.challenges}
    progress = dict(member.challenges)
    after, at = member, rfc3339(now)
    moved = Moved(member)
    taken_badges: list[str] = []
    for cid, counted in order.challenges.items():
        challenge, state = by_id.get(cid), progress.get(cid)
        if challenge is None or state is None:
            continue  # no longer in the program: what it gave stands
        spend = counted.values[0] if counted.values else 0
        if challenge.kind == "spend_minor":
            value = math.floor(spend * now_share) - math.floor(spend * before)
        else:
            value = 1 if full else 0  # an order counts (once, or its categories) until refunded in full
        undone = rules.undo(challenge, state, counted, value, today, full=full)
        progress[cid] = undone.progress
        if not undone.reversed_points and undone.progress is state:
            continue
        if undone.reversed_points:
            reversal = balances.reverse(
                after.balances,
                undone.reversed_points,
                order_pending=0,
                order_day=None,
                lots=spendable(lots_after(lots, moved.deltas), today.isoformat()),
            )
            after = replace(after, balances=replace(reversal.balances, lifetime_earned=after.balances.lifetime_earned))
            deltas = dict(moved.deltas)
            for day, taken in reversal.from_lots.items():
                deltas[day] = deltas.get(day, 0) - taken
            entry = _entry(after, f"challenge:{cid}:{refund_id}", -undone.reversed_points, at, key_id,
                           reason="challenge_reversed", challenge_id=cid, to_debt=reversal.to_debt)  # fmt: skip
            moved = Moved(after, {}, [*moved.entries, entry], moved.events, deltas,
                          moved.reversed_points + undone.reversed_points, moved.to_debt + reversal.to_debt)  # fmt: skip
        if undone.reversed_points and challenge.badge:
            taken_badges.append(challenge.badge)
    kept = {cid: p for cid, p in progress.items() if not p.empty}
    badges = rules.badges_after(member.badges, (), taken_badges, int(now.timestamp()))
    return replace(moved, member=replace(after, challenges=kept, badges=badges))


# --- views -------------------------------------------------------------------------------------------


def _time(seconds: int) -> datetime | None:
    return datetime.fromtimestamp(seconds, UTC) if seconds else None


def progress_items(member: MemberRecord, program: Program, today: date) -> list[ChallengeProgress]:
    """The program's challenges with the member's progress, in the program's order."""
    return [
        ChallengeProgress(
            challenge_id=c.challenge_id,
            label=c.label,
            progress=rules.shown(c, member.challenges.get(c.challenge_id), today),
            goal=c.goal,
            completed_at=_time(member.challenges[c.challenge_id].at) if c.challenge_id in member.challenges else None,
            ends_at=c.ends_at,
        )
        for c in program.challenges
    ]


def page(member_id: str, now: datetime | None = None) -> Page[ChallengeProgress]:
    """GET /v1/members/{member_id}/challenges and /v1/me/challenges: one read of the member item. At
    most 10 challenges: one page."""
    state = member_reads.read(member_id, "none")
    if state is None:
        raise MemberNotFound(f"No member '{member_id}'.")
    program = programs.current()
    today = calendar.local_day(now or clock.now(), program.zone)
    return Page[ChallengeProgress](items=progress_items(state.member, program, today), next_cursor=None)
