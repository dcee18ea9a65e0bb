"""The daily jobs under DynamoDB faults: maturing and expiry, run by their schedule (run_day) and by the
jobs worker from the queue. A failed item stays in its bucket; the next run (or SQS redelivering the
worker's message) settles it once: balances exact, one expire entry per lot, the audit clean."""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from harness.orders import order_document
from harness.programs import program_document
from local import runtime
from loyalty.adapters import clock, jobs_queue
from loyalty.models.member import EnrollRequest
from loyalty.models.order import OrderRequest, RefundRequest
from loyalty.models.program import Program
from loyalty.models.reward import RedemptionRequest, RewardPut
from loyalty.services import accrual, activity, members, program, redemptions, refunds, rewards
from loyalty.services.jobs import catalog, runner
from tests import sqs
from tests.auditing import audit_clean
from tests.engine.faults.test_faults import FAULTS
from tests.service.faults.harness import Fault, Faults

# The engine decides these outcomes (transactions, conditions, index queries): moto and DynamoDB Local.
pytestmark = pytest.mark.engine

NEW_YORK = ZoneInfo("America/New_York")


def at(local: str) -> datetime:
    return datetime.fromisoformat(local).replace(tzinfo=NEW_YORK)


def setup_member(marketing_opt_in: bool = False, **program_overrides: Any) -> None:
    """m-1 earns 500 points on 2026-11-22 (New York), then spends or refunds some of them."""
    jobs_queue.reset()
    clock.set_clock(lambda: at("2026-11-22 10:00"))
    program.save(Program.model_validate(program_document(**program_overrides)))
    members.enroll(EnrollRequest(member_id="m-1", email="ada@example.com", marketing_opt_in=marketing_opt_in))
    order = order_document("o-1", "m-1", 50_000, sku="SEED", placed_at=at("2026-11-22 10:00").isoformat())
    accrual.accrue(OrderRequest.model_validate(order))


def points() -> tuple[int, int]:
    view = members.get("m-1").points
    return view.available, view.pending


def entries() -> list[tuple[str, int]]:
    return sorted((entry.entry_id, entry.points) for entry in activity.page("m-1", 100, None).items)


def run(job: str, local: str) -> Any:
    """A run as its schedule fires it: the clock says the scheduled time too."""
    clock.set_clock(lambda: at(local))
    return catalog.run_day(job, at(local), runner.Budget(100_000))


# --- maturing ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("plan", FAULTS)
def test_maturing(faults: Faults, plan: list[tuple[Fault, int]]) -> None:
    setup_member(pending_days=14)
    refunds.refund("o-1", RefundRequest(refund_id="rf-1", amount_minor=10_000))  # 100 of the 500 pending
    assert points() == (0, 400)
    for fault, times in plan:
        faults.add("TransactWriteItems", fault, times=times, touching="ORDER#o-1")
    run("mature", "2026-12-06 00:05")
    faults.clear()
    run("mature", "2026-12-07 00:05")  # the next day's run catches up on what failed
    run("mature", "2026-12-07 00:06")  # and a repeat changes nothing
    assert points() == (400, 0)
    assert entries() == [("earn:o-1", 500), ("refund:rf-1", -100)]
    audit_clean()


# --- expiry ------------------------------------------------------------------------------------------


def spend_100() -> None:
    clock.set_clock(lambda: at("2026-11-23 10:00"))
    rewards.put("coffee", RewardPut.model_validate({"name": "Coffee", "kind": "voucher", "cost_points": 100}))
    redemptions.redeem("m-1", RedemptionRequest(redemption_id="x-1", reward_id="coffee"))


@pytest.mark.parametrize("plan", FAULTS)
def test_expiry(faults: Faults, plan: list[tuple[Fault, int]]) -> None:
    setup_member()  # points expire after 12 months: the lot of 2027-11-22
    spend_100()
    for fault, times in plan:
        faults.add("TransactWriteItems", fault, times=times, touching="EXPIRE#m-1")
    run("expire", "2027-11-23 00:05")
    faults.clear()
    run("expire", "2027-11-24 00:05")
    run("expire", "2027-11-24 00:06")
    assert points() == (0, 0)
    assert entries() == [("earn:o-1", 500), ("expire:2027-11-22", -400), ("redeem:x-1", -100)]
    audit_clean()


@pytest.mark.parametrize("plan", [FAULTS[1], FAULTS[5], FAULTS[7]])
def test_expiry_through_the_jobs_queue(
    faults: Faults, template: Any, monkeypatch: pytest.MonkeyPatch, plan: list[tuple[Fault, int]]
) -> None:
    """A run with no budget queues every shard; the worker settles them. Its message is delivered
    again after the fault (SQS: at least once), and once more for good measure."""
    setup_member()
    spend_100()
    clock.set_clock(lambda: at("2027-11-23 00:05"))
    queued: list[dict[str, Any]] = []
    counts = catalog.run_day("expire", at("2027-11-23 00:05"), runner.Budget(0), queued.extend)
    assert counts["shards_queued"] == 16 and len(queued) == 16
    for fault, times in plan:
        faults.add("TransactWriteItems", fault, times=times, touching="EXPIRE#m-1")
    records = [sqs.record(message) for message in queued]
    for _ in range(3):
        for start in range(0, len(records), 10):
            # A batch whose records all failed fails the invocation: SQS delivers it again, as the loop does.
            with contextlib.suppress(BatchProcessingError):
                runtime.invoke(template, "JobsWorkerFunction", sqs.batch(*records[start : start + 10]))
        faults.clear()
    assert points() == (0, 0)
    assert entries() == [("earn:o-1", 500), ("expire:2027-11-22", -400), ("redeem:x-1", -100)]
    audit_clean()


# --- reminder emails (at most once) ----------------------------------------------------------------------


def reminders_sent() -> int:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    return len(ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages)


def remind_twice(faults: Faults, plan: list[tuple[Fault, int]]) -> int:
    """m-1 (opted in) holds 500 points expiring on 2027-11-22: the reminder is due on 2027-11-08. The
    claim (the UpdateItem that records the email before it is sent) meets the faults; the next day's run
    catches up."""
    import boto3

    from loyalty.adapters import email as email_adapter

    email_adapter.reset()
    boto3.client("sesv2", region_name="us-east-1").create_email_identity(EmailIdentity="loyalty@example.com")
    setup_member(marketing_opt_in=True)
    before = reminders_sent()
    for fault, times in plan:
        faults.add("UpdateItem", fault, times=times, touching="email_claim")
    try:
        run("remind_expiring", "2027-11-08 00:05")
        faults.clear()
        run("remind_expiring", "2027-11-09 00:05")
        run("remind_expiring", "2027-11-09 00:06")
    finally:
        email_adapter.reset()
    return reminders_sent() - before


@pytest.mark.parametrize("plan", [FAULTS[3], FAULTS[5], FAULTS[6]])
def test_a_reminder_whose_claim_failed_is_sent_once_by_the_next_run(
    faults: Faults, plan: list[tuple[Fault, int]]
) -> None:
    assert remind_twice(faults, plan) == 1


@pytest.mark.parametrize("plan", [FAULTS[0]])
def test_a_reminder_whose_claim_response_was_lost_is_still_sent(faults: Faults, plan: list[tuple[Fault, int]]) -> None:
    assert remind_twice(faults, plan) == 1
