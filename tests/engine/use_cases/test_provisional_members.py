"""The takeover of a provisional member, once: under a lost answer, a failure before the commit, a race
of two enrolments with the email (DynamoDB Local referees it), and with a signup bonus and a referral."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

from harness.programs import program_document
from loyalty.adapters import clock
from loyalty.domain.errors import EmailTaken
from loyalty.models.member import EnrollRequest
from loyalty.models.order import OrderRequest, RefundRequest
from loyalty.models.program import Program
from loyalty.services import accrual, activity, challenges, members, program, redemptions, referrals, refunds
from loyalty.store import client as store_client
from loyalty.store import keys
from tests import rewarding
from tests.auditing import audit_clean
from tests.engine.races.test_concurrency import race

NOW = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)
EMAIL = "ada@example.com"


def guest_with_points(points: int = 250, **program_overrides: Any) -> None:
    clock.set_clock(lambda: NOW)
    program.save(Program.model_validate(program_document(**program_overrides)))
    members.enroll(EnrollRequest(member_id="guest:1", email=EMAIL), provisional=True)
    order = {
        "order_id": "o-1",
        "member_id": "guest:1",
        "currency": "USD",
        "placed_at": "2026-11-22T14:00:00Z",
        "lines": [{"sku": "S", "category": "shoes", "quantity": 1, "unit_price_minor": points * 100}],
    }
    accrual.accrue(OrderRequest.model_validate(order))


def transactions_failing(monkeypatch: pytest.MonkeyPatch, *, after_commit: bool) -> Callable[[], int]:
    """The takeover's TransactWriteItems (the one that puts the merge entries) fails at the AWS edge once:
    before it commits, or after (its answer lost)."""
    client = store_client.dynamodb()
    real = client.transact_write_items
    calls = {"failed": 0}

    def failing(**kwargs: Any) -> Any:
        takeover = "MERGE#" in str(kwargs["TransactItems"])
        if takeover and not calls["failed"]:
            calls["failed"] += 1
            if after_commit:
                real(**kwargs)
            raise ClientError({"Error": {"Code": "InternalServerError", "Message": "boom"}}, "TransactWriteItems")
        return real(**kwargs)

    monkeypatch.setattr(client, "transact_write_items", failing)
    return lambda: calls["failed"]


@pytest.mark.parametrize("after_commit", [False, True], ids=["before-commit", "answer-lost"])
def test_a_takeover_retried_after_a_failure_moves_the_points_once(
    aws: str, monkeypatch: pytest.MonkeyPatch, after_commit: bool
) -> None:
    guest_with_points()
    failed = transactions_failing(monkeypatch, after_commit=after_commit)
    request = EnrollRequest(member_id="ada", email=EMAIL)
    with pytest.raises(ClientError):
        members.enroll(request)
    assert failed() == 1
    if not after_commit:
        assert members.get("guest:1").status == "active", "nothing of a failed transaction is written"
    member, created = members.enroll(request)  # the client retries
    assert created is not after_commit, "a retry of a takeover that landed is a replay (200)"
    assert member.points.available == 250 and members.get("guest:1").points.available == 0
    kinds = [(e.kind, e.points) for e in activity.page("ada", 25, None).items]
    assert kinds == [("merge", 250)]
    audit_clean()


def test_the_signup_bonus_is_not_given_twice_and_a_referral_code_still_counts(aws: str) -> None:
    guest_with_points(signup_points=50)
    referrer, _ = members.enroll(EnrollRequest(member_id="grace", email="grace@example.com"))
    ada, created = members.enroll(EnrollRequest(member_id="ada", email=EMAIL, referral_code=referrer.referral_code))
    assert created and ada.points.available == 250 + 50, "the guest's signup bonus moved; no second one"
    audit_clean()


def test_a_checkout_never_takes_over_a_checkouts_member(aws: str) -> None:
    guest_with_points()
    with pytest.raises(EmailTaken):
        members.enroll(EnrollRequest(member_id="guest:2", email=EMAIL), provisional=True)
    assert members.get("guest:1").points.available == 250


@pytest.mark.engine
@pytest.mark.parametrize("aws", ["dynamodb-local"], indirect=True)
def test_three_enrolments_racing_for_a_provisional_members_email_one_takes_it_over(aws: str) -> None:
    guest_with_points()
    outcomes = race(3, lambda i: members.enroll(EnrollRequest(member_id=f"ada-{i}", email=EMAIL)))
    created = [o for o in outcomes if isinstance(o, tuple)]
    refused = [o for o in outcomes if isinstance(o, EmailTaken)]
    assert len(created) == 1 and created[0][1] is True and len(refused) == 2, outcomes
    winner = created[0][0]
    assert winner.points.available == 250
    assert members.get("guest:1").merged_into == winner.member_id
    audit_clean()


def test_the_provisional_members_referral_code_goes_on_working_for_the_member_that_took_it_over(aws: str) -> None:
    guest_with_points()
    code = members.get("guest:1").referral_code
    ada, _ = members.enroll(EnrollRequest(member_id="ada", email=EMAIL))
    assert ada.referral_code == code
    members.enroll(EnrollRequest(member_id="grace", email="grace@example.com", referral_code=code))
    assert referrals.view("ada").pending == 1
    audit_clean()


def test_a_voucher_the_provisional_member_bought_is_still_used_at_checkout(aws: str) -> None:
    guest_with_points()
    rewarding.reward("coffee", 100)
    rewarding.redeem("guest:1", "r-1", "coffee")
    members.enroll(EnrollRequest(member_id="ada", email=EMAIL))
    assert members.get("ada").points.available == 150
    assert redemptions.use("r-1").status == "used"
    audit_clean()


def test_a_voucher_the_provisional_member_bought_cancelled_after_the_takeover_gives_back_to_the_taker(
    aws: str,
) -> None:
    guest_with_points()
    rewarding.reward("coffee", 100)
    rewarding.redeem("guest:1", "r-1", "coffee")
    members.enroll(EnrollRequest(member_id="ada", email=EMAIL))
    assert redemptions.cancel("r-1").status == "cancelled"
    assert members.get("ada").points.available == 250
    assert members.get("guest:1").points.available == 0
    audit_clean()


@pytest.mark.engine
def test_a_taker_in_the_provisional_members_accounting_shard_books_its_tier_on_one_item(aws: str) -> None:
    guest_with_points(points=1200)  # Silver: the tier counters move
    taker = next(f"ada-{i}" for i in range(1000) if keys.shard_of(f"ada-{i}") == keys.shard_of("guest:1"))
    member, created = members.enroll(EnrollRequest(member_id=taker, email=EMAIL))
    assert created and member.tier.name == "Silver" and member.points.available == 1200
    audit_clean()


def test_the_taker_goes_on_with_the_provisional_members_challenges_and_badges(aws: str) -> None:
    """Two orders at checkout toward a three-order challenge: the taker's first order completes it, and a
    refund of a checkout order (the taker's now) takes the completion back from the taker."""
    three = {"challenge_id": "c-3", "label": "Three orders", "kind": "orders", "goal": 3, "window_days": 30,
             "reward_points": 500, "badge": "regular"}  # fmt: skip
    guest_with_points(challenges=[three])
    order = {"member_id": "guest:1", "currency": "USD", "placed_at": "2026-11-22T14:00:00Z",
             "lines": [{"sku": "S", "category": "shoes", "quantity": 1, "unit_price_minor": 1_000}]}  # fmt: skip
    accrual.accrue(OrderRequest.model_validate({**order, "order_id": "o-2"}))
    taker, _ = members.enroll(EnrollRequest(member_id="m-1", email=EMAIL))
    assert [(c.challenge_id, c.progress) for c in challenges.page("m-1").items] == [("c-3", 2)]
    assert [(c.challenge_id, c.progress) for c in challenges.page("guest:1").items] == [("c-3", 0)]  # moved
    done = accrual.accrue(OrderRequest.model_validate({**order, "order_id": "o-3", "member_id": "m-1"}))
    assert done.result.member.points.available == taker.points.available + 10 + 500
    assert [(b.badge, b.count) for b in done.result.member.badges] == [("regular", 1)]
    refunds.refund("o-2", RefundRequest.model_validate({"refund_id": "r-1", "amount_minor": 1_000}))
    after = members.get("m-1")
    assert after.points.available == taker.points.available  # the refunded order's 10 and the reward
    assert after.badges == []
    audit_clean()
