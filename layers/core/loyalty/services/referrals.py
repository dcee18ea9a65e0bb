"""Referrals: a referee's order completes its referral, then both members are credited, once.

Completion (``complete``): the maturing job finds a referee's ``candidate`` record in its index on the
day the order matures; once the order's points are available it reads the order and either completes
the referral (the order kept at least ``min_order_minor``) or drops it (refunded): one transaction,
conditioned on the record's and the order's versions. Without pending days the accrual itself writes
the record ``completed`` (and only the referee's items: its cost does not change), and the table
stream's consumer credits it within seconds (``settle_completed``); the nightly run is the backstop.

Crediting (``credit``), each part one transaction of the member's unit of work (``commit``):
- the referee gets ``referee_points`` (a ``referral`` entry keyed ``referee:<referee>``), and the record
  notes it, in the same transaction;
- the referrer's code advances ``completed`` from the value read (an exact condition), its record
  becomes ``credited`` and leaves the index and, while within ``max_per_member``, the referrer gets
  ``referrer_points`` (``referrer:<referee>``) and the bonus of the milestone that count reaches
  (``milestone:<referrer>:<count>``), all in one transaction.
Entry ids and record states make every step idempotent: a job run twice, a retry after a lost answer
or a replayed order credits nothing again.

Beyond ``max_per_member`` the referrer's referrals still count (``completed``) but credit it nothing,
no milestone included, while the referee still gets its ``referee_points``: the referee was promised
them at signup and cannot know how many friends its referrer brought; the cap stops a referrer from
farming rewards, which a referee's reward does not feed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal, NoReturn

from loyalty.adapters import clock
from loyalty.domain import bookings, calendar
from loyalty.domain import referrals as rules_of
from loyalty.domain.errors import MemberNotFound
from loyalty.domain.events import Event
from loyalty.models.common import rfc3339
from loyalty.models.member import MemberReferrals, NextMilestone
from loyalty.models.program import Program
from loyalty.models.program import Referrals as ReferralRules
from loyalty.services import program as programs
from loyalty.services.member_writes import with_points
from loyalty.store import member_reads, member_updates, transactions, unit_of_work, write_loop
from loyalty.store import orders as order_store
from loyalty.store import referrals as referral_store
from loyalty.store.entries import EntryFields
from loyalty.store.member_reads import MemberState
from loyalty.store.orders import OrderRecord
from loyalty.store.referrals import ReferralEntry, ReferralRecord
from loyalty.store.unit_of_work import MemberChange
from loyalty.store.write_loop import Done, Planned, Prepared, Step

Completion = Literal["completed", "dropped", "waiting"]


@dataclass(frozen=True)
class Credited:
    credited: bool  # this call credited the referral (False: it was already, or could not be yet)
    referrer_paid: bool = False  # the referrer got referrer_points (within its cap)
    milestone: int | None = None  # the milestone count this referral reached (and paid)


@dataclass(frozen=True)
class Completing:
    """What a completion reads: the referee's record as it stands (the job's own in the first round)
    and, while it is a candidate, its order and the referee (None: erased since, or never found)."""

    record: ReferralRecord | None
    order: OrderRecord | None = None
    referee: MemberState | None = None


def complete(record: ReferralRecord, program: Program, now: datetime) -> tuple[Completion, ReferralRecord]:
    """A candidate referral once its order's points are available: completed if the order qualifies
    (what the customer kept is at least min_order_minor), dropped if refunds took it below (the next
    qualifying order of the referee may then complete it); waiting while the order is pending."""
    latest = record  # the candidate as last read: what a completion that lost every race waits with

    def read(attempt: int) -> Completing:
        nonlocal latest
        current = record if attempt == 0 else referral_store.get(record.referee_id)
        if current is None or current.state != "candidate":
            return Completing(current)
        latest = current
        return Completing(
            current, order_store.get_order(current.order_id), member_reads.read(current.referee_id, "none")
        )

    return write_loop.write(
        read,
        lambda seen: completion(seen, latest, program, now),
        _no_entry,
        budget=write_loop.MEMBER,
        contended=f"The referral of '{record.referee_id}' could not be completed.",
        exhausted=lambda: ("waiting", latest),
    )


def completion(
    seen: Completing, latest: ReferralRecord, program: Program, now: datetime
) -> Step[ReferralRecord, tuple[Completion, ReferralRecord]]:
    """The completion of the candidate as read, with the order's version and the record's as conditions.
    A record that is no candidate any more was settled by another run: its state is the answer."""
    current = seen.record
    if current is None or current.state != "candidate":
        settled = current is not None and current.state in ("completed", "credited")
        return Done(("completed" if settled else "dropped", current or latest))
    order, referee = seen.order, seen.referee
    erased = referee is None or referee.member.status == "erased"
    if order is None:
        return Done(("waiting", current))  # not written yet: the accrual's transaction is the record's too
    available = order.status == "available" or (order.matures_on is None and not erased and order.credited == 0)
    if not available and not erased:
        return Done(("waiting", current))
    rules = program.referrals
    qualifies = (
        rules is not None
        and not erased
        and rules_of.order_qualifies(order.net_total, order.refunded_share, rules.min_order_minor)
    )
    today = calendar.local_day(now, program.zone).isoformat()
    if qualifies:
        after = replace(current, state="completed", day=today, completed_at=rfc3339(now))
        mark = member_updates.referral_mark(current.referee_id, "completed", "candidate")
    else:
        after = replace(current, state="dropped")
        mark = member_updates.referral_mark(current.referee_id, None, "candidate")
    items = [referral_store.moved(current, after), referral_store.order_unchanged(order.order_id, order.version)]
    if not erased:
        items.append(mark)
    return Prepared(items, ("completed" if qualifies else "dropped", replace(after, version=current.version + 1)))


def _no_entry(_: object) -> NoReturn:
    raise ValueError("a write that puts no entry has no replay")


def settle_completed(referee_id: str, now: datetime) -> bool:
    """The table stream's path (the event publisher, seconds after the write): a referral whose record
    is ``completed`` is credited as the maturing job credits it, by ``credit`` and its conditions, so
    whichever of the two comes first pays and the other finds nothing to do. True once the referral is
    settled (by this call or before it); False while it is still ``completed`` (every attempt lost a
    race or the store was busy): the caller retries, and the nightly run finds it in its index anyway."""
    record = referral_store.get(referee_id)
    if record is None or record.state != "completed":
        return True  # credited already (by the job, or an earlier delivery of the record): nothing left
    credit(record, programs.current(), now)
    after = referral_store.get(referee_id)
    return after is None or after.state != "completed"


def credit(record: ReferralRecord, program: Program, now: datetime) -> Credited:
    """Credit a completed referral: the referee, then the referrer (see the module's doc)."""
    stats = referral_store.code_stats(record.code)
    _credit_referee(record.referee_id, stats.member_id if stats else None, program, now)
    return _credit_referrer(record.referee_id, program, now)


@dataclass(frozen=True)
class Crediting:
    """What a credit reads: the referee's record as it stands and, while its part is due, the member to
    credit (None: nothing to pay it, or erased) and, for the referrer, its code's counters."""

    record: ReferralRecord | None
    member: MemberState | None = None
    stats: referral_store.CodeStats | None = None


def _credit_referee(referee_id: str, referrer_id: str | None, program: Program, now: datetime) -> None:
    points = program.referrals.referee_points if program.referrals else 0

    def read(_: int) -> Crediting:
        current = referral_store.get(referee_id)
        if current is None or current.state != "completed" or current.referee_done:
            return Crediting(current)
        return Crediting(current, member_reads.read(referee_id))

    write_loop.write(
        read,
        # Stamped after the member was read: a write that committed before ours was read by us, so its
        # entry is never later than ours and the ledger's order is the order of the balances.
        lambda seen: referee_credit(seen, referrer_id, points, program, max(now, clock.now())),
        lambda _: None,  # its entry is there: the record notes it in the same transaction
        budget=write_loop.MEMBER,
        contended=f"The referee '{referee_id}' could not be credited.",
        exhausted=lambda: None,  # still ``completed``: the next run (or delivery) credits it
    )


def referee_credit(
    seen: Crediting, referrer_id: str | None, points: int, program: Program, now: datetime
) -> Step[ReferralEntry, None]:
    """The referee's part as read: its ``referee_points`` and the record noting them, or the record alone
    when there is nothing to pay (erased, or no points); nothing once the record says it is done."""
    current = seen.record
    if current is None or current.state != "completed" or current.referee_done:
        return Done(None)
    more = [referral_store.moved(current, replace(current, referee_done=True))]
    state = seen.member
    if state is None or state.member.status == "erased" or points == 0:
        return Prepared(more, None)
    event = Event("referral.completed", {"role": "referee", "other_member_id": referrer_id, "points": points})
    grant: Grant = ("referee", f"referee:{current.referee_id}", points, None)
    return Planned(_granted(state, [grant], current, program, now, more, [event]), None)


def _credit_referrer(referee_id: str, program: Program, now: datetime) -> Credited:
    def read(_: int) -> Crediting:
        current = referral_store.get(referee_id)
        if current is None or current.state != "completed" or not current.referee_done:
            return Crediting(current)
        stats = referral_store.code_stats(current.code)
        if stats is None or not _referrer_grants(program.referrals, stats.completed + 1, referee_id, stats.member_id):
            return Crediting(current, None, stats)  # nothing to pay the referrer: its member is not read
        return Crediting(current, member_reads.read(stats.member_id), stats)

    return write_loop.write(
        read,
        lambda seen: referrer_credit(seen, program, max(now, clock.now())),  # stamped after the read
        lambda _: Credited(False),  # its entry is there: the record became ``credited`` with it
        budget=write_loop.MEMBER,
        contended=f"The referrer of '{referee_id}' could not be credited.",
        exhausted=lambda: Credited(False),
    )


def referrer_credit(seen: Crediting, program: Program, now: datetime) -> Step[ReferralEntry, Credited]:
    """The referrer's part as read: the code's ``completed`` one more (exactly from the count read), the
    record ``credited`` and, within ``max_per_member``, the referrer's points and the milestone that
    count reaches; nothing until the referee's part is done."""
    current, stats = seen.record, seen.stats
    if current is None or current.state != "completed" or not current.referee_done or stats is None:
        return Done(Credited(False))  # a referee's code always exists (enrollment checked it)
    count = stats.completed + 1
    credited = replace(current, state="credited", referrer_id=stats.member_id)
    more = [referral_store.count_completed(current.code, stats.completed), referral_store.moved(current, credited)]
    grants = _referrer_grants(program.referrals, count, current.referee_id, stats.member_id)
    state = seen.member
    if not grants or state is None or state.member.status == "erased":
        return Prepared(more, Credited(True))
    events = _referrer_events(grants, current.referee_id)
    milestone = next((m for role, _, _, m in grants if role == "milestone"), None)
    change = _granted(state, grants, current, program, now, more, events)
    return Planned(change, Credited(True, any(role == "referrer" for role, *_ in grants), milestone))


def _referrer_events(grants: list[Grant], referee_id: str) -> list[Event]:
    events = []
    for role, _, points, _ in grants:
        if role == "referrer":
            events.append(
                Event("referral.completed", {"role": "referrer", "other_member_id": referee_id, "points": points})
            )
        elif role == "milestone":
            events.append(Event("points.bonus", {"points": points, "reason": "referral_milestone"}))
    return events


Grant = tuple[Literal["referee", "referrer", "milestone"], str, int, int | None]  # role, entry id, points, milestone


def _referrer_grants(rules: ReferralRules | None, count: int, referee_id: str, referrer_id: str) -> list[Grant]:
    """What the referrer gets for its ``count``-th referral: nothing beyond ``max_per_member``."""
    if rules is None or (rules.max_per_member is not None and count > rules.max_per_member):
        return []
    grants: list[Grant] = []
    if rules.referrer_points > 0:
        grants.append(("referrer", f"referrer:{referee_id}", rules.referrer_points, None))
    milestone = rules.milestone_at(count)
    if milestone is not None:
        grants.append(("milestone", f"milestone:{referrer_id}:{count}", milestone.bonus_points, count))
    return grants


def _granted(
    state: MemberState,
    grants: list[Grant],
    record: ReferralRecord,
    program: Program,
    now: datetime,
    more: list[transactions.TxItem],
    events: list[Event],
) -> MemberChange[ReferralEntry]:
    """The member's entries of one referral (its ``referral`` entry, a milestone's ``bonus``), their
    points in one lot of today's expiry, booked ``issued_other`` at the point value, with ``more``."""
    member = state.member
    at = rfc3339(now)
    total = sum(points for _, _, points, _ in grants)
    expires_on = calendar.expires_on(now, program.zone, program.expiry_months, program.month_expiry_from).isoformat()
    deltas = {expires_on: total}
    balance = member.balances.available
    entries = []
    for role, entry_id, points, milestone in grants:
        balance += points
        kind = "bonus" if role == "milestone" else "referral"
        entries.append(
            ReferralEntry(
                record.referee_id, role, EntryFields(member.member_id, kind, entry_id, points, balance, at), milestone
            )
        )
    after = with_points(replace(member, balances=replace(member.balances, available=balance)), deltas, program)
    first, *rest = entries
    milestones = [unit_of_work.entry_put(entry.to_item(), role="milestone") for entry in rest]
    return MemberChange.of(
        state,
        after,
        at,
        events,
        entry=referral_store.entry_put(first),
        lot_deltas=deltas,
        more=[*milestones, *more],
        booking=bookings.issued_other(calendar.local_day(now, program.zone).isoformat(), program.point_value_minor),
    )


def view(member_id: str) -> MemberReferrals:
    """GET /v1/members/{member_id}/referrals: the member's code, its referrals and the next milestone."""
    program = programs.current()
    state = member_reads.read(member_id, "none")
    if state is None:
        raise MemberNotFound(f"No member '{member_id}'.")
    stats = referral_store.code_stats(state.member.referral_code)
    referred, completed = (stats.referred, stats.completed) if stats else (0, 0)
    upcoming = program.referrals.next_milestone(completed) if program.referrals else None
    return MemberReferrals(
        referral_code=state.member.referral_code,
        completed=completed,
        pending=max(referred - completed, 0),
        next_milestone=NextMilestone(count=upcoming.count, bonus_points=upcoming.bonus_points) if upcoming else None,
    )
