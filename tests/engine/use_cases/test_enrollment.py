"""Enrollment as the contract states it, on moto and on DynamoDB Local."""

from __future__ import annotations

from typing import Any

import pytest

from harness.counting import DynamoCalls
from harness.programs import program_document
from loyalty.domain.errors import EmailTaken, InvalidInput, MemberExists, MemberNotFound, ProgramNotConfigured
from loyalty.models.member import EnrollRequest, MemberPatch
from loyalty.models.program import Program
from loyalty.services import members, program

# The engine decides these outcomes (transactions, conditions, index queries): moto and DynamoDB Local.
pytestmark = pytest.mark.engine


@pytest.fixture
def configured(aws: str) -> Program:
    return program.save(Program.model_validate(program_document()))


def enroll(member_id: str, email: str, **extra: Any) -> tuple[Any, bool]:
    return members.enroll(EnrollRequest.model_validate({"member_id": member_id, "email": email, **extra}))


def test_enrollment_creates_an_active_bronze_member_with_a_referral_code(configured: Program) -> None:
    member, created = enroll("m-1", "Ada@Example.COM", name="Ada", marketing_opt_in=True, locale="en-GB")
    assert created
    assert member.email == "ada@example.com"
    assert member.status == "active"
    assert member.tier.name == "Bronze"
    assert member.next_tier is not None and member.next_tier.points_needed == 1000
    assert member.points.available == member.points.pending == member.points.lifetime_earned == 0
    assert len(member.referral_code) >= 14
    assert members.get("m-1") == member


def test_same_member_and_email_again_returns_the_first_result(configured: Program) -> None:
    first, _ = enroll("m-1", "ada@example.com")
    again, created = enroll("m-1", "ADA@example.com")
    assert not created
    assert again == first


def test_same_member_with_another_email_is_member_exists(configured: Program) -> None:
    enroll("m-1", "ada@example.com")
    with pytest.raises(MemberExists):
        enroll("m-1", "grace@example.com")
    assert members.get("m-1").email == "ada@example.com"


def test_an_email_held_by_another_member_is_email_taken_whatever_its_case(configured: Program, ddb: Any) -> None:
    enroll("m-1", "ada@example.com")
    with pytest.raises(EmailTaken):
        enroll("m-2", "Ada@Example.com")
    with pytest.raises(MemberNotFound):
        members.get("m-2")


def test_enrollment_costs_one_round_trip(configured: Program) -> None:
    program.current()  # warm function: the program is cached
    with DynamoCalls() as calls:
        enroll("m-1", "ada@example.com")
    assert calls.operations == ["TransactWriteItems"]


def test_a_referral_code_must_belong_to_a_member(configured: Program) -> None:
    referrer, _ = enroll("m-1", "ada@example.com")
    with pytest.raises(InvalidInput):
        enroll("m-2", "grace@example.com", referral_code="ZZZZZZZZZZZZZZ")
    with pytest.raises(MemberNotFound):
        members.get("m-2")
    referred, created = enroll("m-2", "grace@example.com", referral_code=referrer.referral_code)
    assert created and referred.referral_code != referrer.referral_code


def test_members_cannot_enroll_before_a_program_exists(aws: str) -> None:
    with pytest.raises(ProgramNotConfigured):
        enroll("m-1", "ada@example.com")


def test_patch_changes_only_what_is_sent_and_moves_the_email_guard(configured: Program) -> None:
    enroll("m-1", "ada@example.com", name="Ada", marketing_opt_in=True)
    enroll("m-2", "grace@example.com")
    updated = members.update("m-1", MemberPatch.model_validate({"email": "Ada.L@example.com"}))
    assert updated.email == "ada.l@example.com"
    assert updated.name == "Ada" and updated.marketing_opt_in
    with pytest.raises(EmailTaken):
        members.update("m-1", MemberPatch.model_validate({"email": "grace@example.com"}))
    # The old address is free again; the new one is held.
    enroll("m-3", "ada@example.com")
    with pytest.raises(EmailTaken):
        enroll("m-4", "ada.l@example.com")
    cleared = members.update("m-1", MemberPatch.model_validate({"name": None, "marketing_opt_in": False}))
    assert cleared.name is None and not cleared.marketing_opt_in
