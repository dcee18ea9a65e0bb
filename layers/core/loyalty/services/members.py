"""Member use cases: enroll (one round trip), read (one Query), update the profile."""

from __future__ import annotations

from loyalty.adapters import clock, randomness
from loyalty.domain.errors import Contended, EmailTaken, InvalidInput, MemberErased, MemberExists, MemberNotFound
from loyalty.models.member import EnrollRequest, Member, MemberPatch
from loyalty.services import member_due
from loyalty.services import program as programs
from loyalty.services.member_view import member_view
from loyalty.services.retry import pause
from loyalty.store import members as member_store
from loyalty.store.client import Item

# A clash of two random 68-bit referral codes is astronomically rare, a concurrent transaction on
# the same email less so: both are retried a few times.
ATTEMPTS = 5


def enroll(request: EnrollRequest) -> tuple[Member, bool]:
    """Enroll a member; ``(member, True)`` when created, ``(member, False)`` for a replay."""
    program = programs.current()
    moment = clock.now()
    now = clock.isoformat(moment)
    first_tier = program.tiers[0].name
    dormancy = member_due.at_enrollment(request.member_id, program, moment.astimezone(program.zone).date())
    for attempt in range(ATTEMPTS):
        profile: Item = {
            "member_id": request.member_id,
            "email": request.email,
            "name": request.name,
            "status": "active",
            "enrolled_at": now,
            "last_activity_at": now,
            "marketing_opt_in": request.marketing_opt_in,
            "locale": request.locale,
            "referral_code": randomness.code(),
            "referred_by": request.referral_code,
            "tier": first_tier,
            "available": 0,
            "pending": 0,
            "lifetime_earned": 0,
            "debt": 0,
            "earned_by_day": {},
            "expiry_schedule": {},  # maturing adds to it in place, so it exists from the start
            "version": 0,
            **dormancy,
        }
        try:
            conflict = member_store.enroll(profile, request.referral_code)
        except Contended:
            pause(attempt)
            continue
        if conflict is None:
            return member_view(profile, [], program), True
        if conflict.existing_member is not None:
            return _replay(request, conflict.existing_member.get("email")), False
        if conflict.email_owner is not None:
            raise EmailTaken("Another member is enrolled with this email.")
        if conflict.unknown_referrer:
            raise InvalidInput("No member has this referral code.", ["body", "referral_code"])
    raise Contended(f"Member '{request.member_id}' could not be enrolled; retry it.")


def _replay(request: EnrollRequest, stored_email: str | None) -> Member:
    if stored_email != request.email:
        raise MemberExists(f"Member '{request.member_id}' is already enrolled with another email.")
    return get(request.member_id)


def get(member_id: str) -> Member:
    program = programs.current()
    partition = member_store.read_partition(member_id)
    if partition is None:
        raise MemberNotFound(f"No member '{member_id}'.")
    return member_view(partition.profile, partition.lots, program)


def update(member_id: str, patch: MemberPatch) -> Member:
    programs.current()
    profile = member_store.read_profile(member_id)
    if profile is None:
        raise MemberNotFound(f"No member '{member_id}'.")
    if profile.get("status") == "erased":
        raise MemberErased(f"Member '{member_id}' was erased.")
    changes = patch.model_dump(exclude_unset=True)
    if changes.get("email") is None:
        changes.pop("email", None)
    if changes and not member_store.update_profile(member_id, changes, profile["email"], changes.get("email")):
        raise EmailTaken("Another member is enrolled with this email.")
    return get(member_id)
