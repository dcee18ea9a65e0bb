"""Member use cases: enroll (one round trip), read (one Query), update the profile. Enrollment and the
profile update are writes of the write loop (loyalty.store.write_loop), planned by the pure
``plan_enroll`` and ``plan_update``."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from loyalty.adapters import clock, randomness
from loyalty.domain import calendar, due_dates, holdout, tiers
from loyalty.domain.balances import Balances
from loyalty.domain.errors import (
    Contended,
    EmailTaken,
    InvalidInput,
    MemberErased,
    MemberExists,
    MemberMerged,
    MemberNotFound,
)
from loyalty.domain.events import Event
from loyalty.domain.tiers import Qualifying
from loyalty.models.common import Page, rfc3339
from loyalty.models.member import EnrollRequest, Member, MemberPatch
from loyalty.models.program import Program
from loyalty.services import merges
from loyalty.services import program as programs
from loyalty.services.member_writes import with_points
from loyalty.services.views import member_view, state_view
from loyalty.store import bonuses, enrollment, member_reads, member_updates, write_loop
from loyalty.store.enrollment import EnrollConflict
from loyalty.store.entries import EntryFields
from loyalty.store.member_reads import MemberState
from loyalty.store.member_record import ConsentRecord, DueDays, MemberRecord
from loyalty.store.merges import TooManyLots
from loyalty.store.transactions import TxItem, TxResult
from loyalty.store.unit_of_work import Outcome, Refused, Replay, Retry
from loyalty.store.write_loop import Again, Done, Prepared


def first_due_days(program: Program, today: date, opted_in: bool) -> DueDays:
    """A new member's due days: lower bounds, so that no later write has to move them (see
    loyalty.domain.due_dates)."""
    expiry = due_dates.earliest_expiry(today, program.expiry_months, program.max_order_age_days)
    reminder = expiry - timedelta(days=program.emails.expiring_notice_days) if expiry and opted_in else None
    return DueDays(
        dormancy=due_dates.first_dormancy_check(today, program.emails.dormant_after_days),
        tier_review=due_dates.first_tier_review(today, program.tier_window_days),
        expiry=expiry,
        reminder=reminder,
    )


@dataclass(frozen=True)
class Collision:
    """What stood in an enrollment's way, beside the member and consent the round tried to write (a
    takeover of a provisional member starts from them)."""

    conflict: EnrollConflict
    record: MemberRecord
    consent: ConsentRecord


def enroll(request: EnrollRequest, key_id: str | None = None, *, provisional: bool = False) -> tuple[Member, bool]:
    """Enroll a member; ``(member, True)`` when created, ``(member, False)`` for a replay. A
    ``provisional`` member (a platform's checkout enrolled it) is taken over by whoever enrolls its email
    later (loyalty.services.merges)."""
    program = programs.current()
    moment = clock.now()

    def collided(collision: Collision) -> tuple[Member, bool] | Again:
        conflict = collision.conflict
        if conflict.email_owner is not None and conflict.existing is None and not conflict.self_referral:
            record, holder, consent = collision.record, conflict.email_owner, collision.consent
            taken = _take_over(record, holder, consent, program, moment, key_id, provisional)
            if isinstance(taken, MemberRecord):
                state = member_reads.read(taken.member_id)
                assert state is not None  # just written
                return state_view(state, program, moment), True
            if isinstance(taken, Retry):
                return Again()
            conflict = taken
        replayed = _refused(request, conflict)
        # None: a clash of random referral codes; the next round draws another at once.
        return Again(pause=False) if replayed is None else (replayed, False)

    return write_loop.write(
        # Nothing to read: each round draws the new member's referral code.
        lambda _: randomness.code(),
        lambda code: plan_enroll(request, key_id, provisional, program, moment, code),
        collided,
        budget=write_loop.MEMBER,
        contended=f"Member '{request.member_id}' could not be enrolled; retry it.",
    )


def plan_enroll(
    request: EnrollRequest,
    key_id: str | None,
    provisional: bool,
    program: Program,
    moment: datetime,
    referral_code: str,
) -> Prepared[Collision, tuple[Member, bool]]:
    """The new member in the program's base tier with its first due days, its consent, its email and
    referral code claimed, and the program's signup points credited in the same one transaction. Its
    member card is issued on first need (loyalty.services.cards.code_for: the first ``/v1/me`` read),
    not here: the guard and the pointer would be 4 of an enrollment's write units, for every member,
    whether or not it ever looks at its card."""
    now = rfc3339(moment)
    today = calendar.local_day(moment, program.zone)
    record = MemberRecord(
        member_id=request.member_id,
        email=request.email,
        name=request.name,
        locale=request.locale,
        status="active",
        enrolled_at=now,
        last_activity_at=now,
        marketing_opt_in=request.marketing_opt_in,
        referral_code=referral_code,
        referred_by=request.referral_code,
        tier=program.tiers[0].name,
        tier_since=None,
        balances=Balances(),
        qualifying=Qualifying(tiers.bucket_days(program.tier_window_days)),
        due=first_due_days(program, today, request.marketing_opt_in),
        version=1,
        consent_source="api",
        consent_seq=1,
        provisional=provisional,
        holdout=holdout.drawn(request.member_id, program.holdout),
    )
    consent = ConsentRecord(request.marketing_opt_in, "api", key_id, now, seq=0)
    events = [Event("member.enrolled", {"tier": record.tier})]
    lot_days: dict[str, int] = {}
    more: list[TxItem] = []
    if program.signup_points > 0:  # credited in the same one transaction: a bonus entry and its lot
        points = program.signup_points
        lot_days = {
            calendar.expires_on(
                moment, program.zone, program.expiry_months, program.month_expiry_from
            ).isoformat(): points
        }
        record = with_points(replace(record, balances=Balances(available=points)), lot_days, program)
        entry = EntryFields(record.member_id, "bonus", f"signup:{record.member_id}", points, points, now, key_id)
        more.append(bonuses.signup_put(bonuses.SignupBonus(entry)))
        events.append(Event("points.bonus", {"points": points, "reason": "signup"}))
    items = enrollment.transaction(
        record, events, now, consent, today.isoformat(), lot_days, more, program.point_value_minor
    )

    def named(result: TxResult) -> Outcome[Collision]:
        outcome = enrollment.outcome(result)
        return Replay(Collision(outcome.existing, record, consent)) if isinstance(outcome, Replay) else outcome

    return Prepared(items, (member_view(record, lot_days, program, moment), True), outcome=named)


def _refused(request: EnrollRequest, conflict: EnrollConflict) -> Member | None:
    """The answer to an enrollment that collided: a replay's member, an error, or None (try again: a
    clash of random referral codes)."""
    if conflict.self_referral:
        # Before the replay and the email checks: one's own code, or a code whose owner has the
        # same mailbox, is refused whatever else the request collides with.
        raise InvalidInput(
            "A member cannot be referred by its own code, or by a member with the same email.",
            ["body", "referral_code"],
        )
    if conflict.existing is not None:
        return _replay(request, conflict)
    if conflict.email_owner is not None:
        raise EmailTaken("Another member is enrolled with this email.")
    if conflict.unknown_referrer:
        raise InvalidInput("No member has this referral code.", ["body", "referral_code"])
    return None


def _take_over(
    record: MemberRecord,
    holder_id: str,
    consent: ConsentRecord,
    program: Program,
    moment: datetime,
    key_id: str | None,
    provisional: bool,
) -> MemberRecord | EnrollConflict | Retry:
    """The email is held: by a provisional member, the new one takes it over (its signup bonus is not
    given again: the provisional member's moves with its points); by anyone else, it stays taken."""
    if provisional:
        return EnrollConflict(None, holder_id, False, False)  # a checkout never takes over a checkout's member
    fresh = replace(
        record,
        balances=Balances(),
        due=first_due_days(program, calendar.local_day(moment, program.zone), record.marketing_opt_in),
    )
    try:
        taken = merges.take_over(fresh, holder_id, consent, program, moment, key_id)
    except TooManyLots as error:
        raise Contended(f"The provisional member holding this email could not be taken over: {error}.") from error
    if isinstance(taken, merges.NotProvisional):
        return EnrollConflict(None, holder_id, False, False)
    return taken


def _replay(request: EnrollRequest, conflict: EnrollConflict) -> Member:
    assert conflict.existing is not None
    if conflict.existing.status == "erased":
        raise MemberErased(f"Member '{request.member_id}' was erased.")
    if conflict.existing.email != request.email:
        raise MemberExists(f"Member '{request.member_id}' is already enrolled with another email.")
    return get(request.member_id)


def get(member_id: str) -> Member:
    program = programs.current()
    state = member_reads.read(member_id)
    if state is None:
        raise MemberNotFound(f"No member '{member_id}'.")
    return state_view(state, program, clock.now())


def find_by_email(address: str) -> Page[Member]:
    """GET /v1/admin/members?email=: the member holding that email, or none (emails are unique)."""
    program = programs.current()
    member_id = member_reads.email_owner(address.lower())
    state = member_reads.read(member_id) if member_id else None
    items = [state_view(state, program, clock.now())] if state else []
    return Page[Member](items=items, next_cursor=None)


def update(member_id: str, patch: MemberPatch, key_id: str | None = None) -> Member:
    program = programs.current()

    def refused(_: Refused) -> Member:
        raise EmailTaken("Another member is enrolled with this email.")

    return write_loop.write(
        lambda _: member_reads.read(member_id),
        lambda state: plan_update(member_id, patch, key_id, program, clock.now(), state),
        budget=write_loop.MEMBER,
        contended=f"Member '{member_id}' could not be updated; retry it.",
        refused=refused,
    )


def plan_update(
    member_id: str, patch: MemberPatch, key_id: str | None, program: Program, now: datetime, state: MemberState | None
) -> Done[Member] | Prepared[None, Member]:
    """The profile as patched, with a change of consent recorded; a patch that changes nothing writes
    nothing. A member unsubscribed by the link is opted in again only by a request that says it consents."""
    if state is None:
        raise MemberNotFound(f"No member '{member_id}'.")
    member = state.member
    if member.status == "erased":
        raise MemberErased(f"Member '{member_id}' was erased.")
    if member.merged_into is not None:
        into = member.merged_into
        raise MemberMerged(f"Member '{member_id}' was merged into member '{into}': write to that one.", into)
    changes = patch.model_dump(exclude_unset=True, exclude={"consent_source"})
    if changes.get("email") is None:
        changes.pop("email", None)
    opt_in = changes.pop("marketing_opt_in", member.marketing_opt_in)
    if opt_in and not member.marketing_opt_in and member.consent_source == "unsubscribe_link":
        # Unsubscribed by the link: only a request that says the member consents again opts it in.
        opt_in = patch.consent_source is not None
    after = replace(member, **changes)
    at = rfc3339(now)
    consent = None
    if opt_in != member.marketing_opt_in:
        consent = ConsentRecord(opt_in, "api", key_id, at, member.consent_seq)
        after = consent_changed(after, opt_in, "api", calendar.local_day(now, program.zone))
    if after == member:
        return Done(state_view(state, program, now))
    event = Event("member.updated", {"changed": sorted({*changes, *(["marketing_opt_in"] if consent else [])})})
    return Prepared(
        member_updates.profile_transaction(member, after, [event], at, consent),
        member_view(after, state.lots, program, now, through_month=state.through_month),
    )


def consent_changed(member: MemberRecord, opt_in: bool, source: str, today: date) -> MemberRecord:
    """The member after a change of consent: recorded (its source, one more consent record), and in the
    reminder index from tomorrow when it opts in (the job then finds its exact day), out of it when not."""
    reminder = today + timedelta(days=1) if opt_in else None
    return replace(
        member,
        marketing_opt_in=opt_in,
        consent_source=source,
        consent_seq=member.consent_seq + 1,
        due=replace(member.due, reminder=reminder),
    )
