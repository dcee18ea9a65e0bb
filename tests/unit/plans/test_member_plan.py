"""The member's plans: enrollment, the profile update and the one-click unsubscribe. No moto."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from harness.plans import NOW, by_role, member, program, put, state, values
from loyalty.domain.errors import MemberErased, MemberMerged, MemberNotFound
from loyalty.models.member import EnrollRequest, MemberPatch
from loyalty.services import unsubscribe
from loyalty.services.members import Collision, plan_enroll, plan_update
from loyalty.store.member_record import MemberRecord
from loyalty.store.outbox import entries_of
from loyalty.store.transactions import TxResult
from loyalty.store.unit_of_work import Replay, Retry, Written
from loyalty.store.write_loop import Done, Prepared

ADA = EnrollRequest(member_id="m-9", email="ada@example.com", name="Ada", marketing_opt_in=True)


def test_a_new_member_starts_in_the_base_tier_with_its_email_and_referral_code_claimed() -> None:
    step = plan_enroll(ADA, "key-1", False, program(), NOW, "CODE-1")
    items = by_role(list(step.items))
    assert {"member", "email", "referral_code"} <= set(items) and "accounting" not in items
    stored = put(items["member"])
    record = MemberRecord.from_item(stored)
    assert (record.tier, record.referral_code, record.email) == ("Bronze", "CODE-1", "ada@example.com")
    assert [event["type"] for event in entries_of(stored)] == ["member.enrolled"]
    # What it books stays on its referral code (put once), whose stream record carries it to the books;
    # the member item carries none.
    assert put(items["referral_code"])["booked"]["a"] == {"members_new": 1, "t#Bronze": 1}
    assert "books" not in stored and "bv" not in stored
    assert put(items["email"])["member_id"] == "m-9"
    # Its first consent record rides on the code (no item of its own), naming the member.
    first = put(items["referral_code"])["consent"]
    assert "consent" not in items and (first["marketing_opt_in"], first["member_id"], first["seq"]) == (True, "m-9", 0)
    assert "guard" not in items and "pointer" not in items  # its card is issued on first need
    shown, created = step.answer
    assert created and shown.tier.name == "Bronze" and shown.points.available == 0


def test_the_signup_points_come_in_the_same_transaction_on_the_day_they_expire() -> None:
    step = plan_enroll(ADA, None, False, program(signup_points=50), NOW, "CODE-1")
    items = by_role(list(step.items))
    assert put(items["signup_bonus"])["entry_points"] == 50
    assert [event["type"] for event in entries_of(put(items["member"]))] == ["member.enrolled", "points.bonus"]
    shown, _ = step.answer
    assert shown.points.available == 50
    assert [(soon.points, soon.expires_on) for soon in shown.expiring] == [(50, "2027-06-15")]


def test_a_checkout_enrolls_a_provisional_member() -> None:
    step = plan_enroll(ADA, None, True, program(), NOW, "CODE-1")
    assert put(by_role(list(step.items))["member"])["provisional"] is True


def test_what_stood_in_an_enrollments_way_comes_back_with_the_member_it_tried() -> None:
    step = plan_enroll(ADA, None, False, program(), NOW, "CODE-1")
    assert step.outcome is not None
    assert step.outcome(TxResult(True)) == Written()
    assert isinstance(step.outcome(TxResult(False, contended=True)), Retry)
    held = step.outcome(TxResult(False, {"email": [{"member_id": "m-1"}]}))
    assert isinstance(held, Replay) and isinstance(held.existing, Collision)
    assert held.existing.conflict.email_owner == "m-1" and held.existing.conflict.existing is None
    assert held.existing.record.referral_code == "CODE-1"  # a takeover starts from the member it tried


def patch(**fields: object) -> MemberPatch:
    return MemberPatch.model_validate(fields)


def test_a_new_email_moves_its_guard_in_the_same_transaction() -> None:
    step = plan_update("m-1", patch(email="new@example.com"), None, program(), NOW, state(member()))
    assert isinstance(step, Prepared)
    items = by_role(list(step.items))
    assert put(items["email"])["member_id"] == "m-1"
    assert items["old_email"]["Delete"]["Key"]["PK"]["S"].endswith("m-1@example.com")
    assert values(items["referral_mailbox"])[":mailbox"]  # the referral code's mailbox follows the email
    assert step.answer.email == "new@example.com"


def test_opting_out_records_the_consent_and_leaves_the_reminders() -> None:
    read = state(member(due=replace(member().due, reminder=date(2026, 7, 1))))
    step = plan_update("m-1", patch(marketing_opt_in=False), "key-1", program(), NOW, read)
    assert isinstance(step, Prepared)
    items = by_role(list(step.items))
    consent = put(items["consent"])
    assert (consent["marketing_opt_in"], consent["source"]) == (False, "api")
    names = items["member"]["Update"]["ExpressionAttributeNames"]
    removed = {names[name] for name in names if name.startswith("#r")}
    assert {"GSI6PK", "GSI6SK"} <= removed  # out of the reminders' index
    assert step.answer.marketing_opt_in is False


def test_a_patch_that_changes_nothing_writes_nothing() -> None:
    step = plan_update("m-1", patch(name="Ada"), None, program(), NOW, state(member()))
    assert isinstance(step, Done) and step.answer.name == "Ada"


def test_a_member_unsubscribed_by_the_link_is_opted_in_only_by_a_request_that_says_it_consents() -> None:
    unsubscribed = state(member(marketing_opt_in=False, consent_source="unsubscribe_link"))
    assert isinstance(plan_update("m-1", patch(marketing_opt_in=True), None, program(), NOW, unsubscribed), Done)
    again = plan_update("m-1", patch(marketing_opt_in=True, consent_source="api"), None, program(), NOW, unsubscribed)
    assert isinstance(again, Prepared) and again.answer.marketing_opt_in is True


def test_a_member_gone_takes_no_update() -> None:
    with pytest.raises(MemberNotFound):
        plan_update("m-1", patch(name="Bo"), None, program(), NOW, None)
    with pytest.raises(MemberErased):
        plan_update("m-1", patch(name="Bo"), None, program(), NOW, state(member(status="erased")))
    merged = state(member(status="merged", merged_into="m-2"))
    with pytest.raises(MemberMerged, match="m-2"):
        plan_update("m-1", patch(name="Bo"), None, program(), NOW, merged)


def test_the_unsubscribe_link_opts_the_member_out_and_says_it_did() -> None:
    step = unsubscribe.plan("m-1", program(), NOW, state(member()))
    assert isinstance(step, Prepared) and step.answer == "m-1"
    items = by_role(list(step.items))
    assert put(items["consent"])["source"] == "unsubscribe_link"
    assert values(items["member"])  # the member item is updated (versioned) in the same transaction
    assert unsubscribe.plan("m-1", program(), NOW, state(member(marketing_opt_in=False))) == Done("m-1")
    assert unsubscribe.plan("m-1", program(), NOW, None) == Done("m-1")
