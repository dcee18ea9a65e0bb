"""Fixtures and helpers of the daily-job suites: a configured program, members, time travel, the
emails moto received, the jobs queue."""

from __future__ import annotations

import email
import email.policy
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import boto3
import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from harness.programs import program_document
from loyalty.adapters import clock, jobs_queue
from loyalty.adapters import email as email_adapter
from loyalty.models.member import EnrollRequest
from loyalty.models.order import OrderRequest
from loyalty.models.program import Program
from loyalty.services import accrual, members, program
from loyalty.services.jobs import catalog, runner
from loyalty.store import keys, member_reads, secrets
from loyalty.store.client import dynamodb, from_item, table_name, to_item
from tests.sqs import taken

NEW_YORK = ZoneInfo("America/New_York")
SENDER = "loyalty@example.com"  # the template's SenderEmail, and the sender of harness.programs
REGION = "us-east-1"


def at(local: str) -> datetime:
    """A wall-clock time in the program's timezone (New York), e.g. ``at("2027-11-23 00:15")``."""
    return datetime.fromisoformat(local).replace(tzinfo=NEW_YORK)


def configure(**overrides: Any) -> Program:
    """The test program with a deployment's default order window (30 days): the jobs' lower bounds count on
    it, and these tests move the clock with every order."""
    return program.save(Program.model_validate(program_document(**{"max_order_age_days": 30, **overrides})))


@pytest.fixture
def jobs(aws: str) -> Iterator[str]:
    """The backend (moto / DynamoDB Local) with the test program stored and its sender verified in SES."""
    email_adapter.reset()
    jobs_queue.reset()
    secrets.forget()
    boto3.client("sesv2", region_name=REGION).create_email_identity(EmailIdentity=SENDER)
    clock.set_clock(lambda: at("2026-11-22 10:00"))
    configure()
    yield aws
    email_adapter.reset()
    jobs_queue.reset()


def enroll(member_id: str, *, opt_in: bool = True, name: str | None = None, when: str = "2026-11-22 10:00") -> None:
    clock.set_clock(lambda: at(when))
    request = {"member_id": member_id, "email": f"{member_id}@example.com", "marketing_opt_in": opt_in}
    if name is not None:
        request["name"] = name
    members.enroll(EnrollRequest.model_validate(request))


def earn(member_id: str, order_id: str, points: int, when: str) -> accrual.Accrued:
    """Credit ``points`` (a shoes order of points x 1.00 USD, Bronze) placed and recorded at local ``when``."""
    clock.set_clock(lambda: at(when))
    order = OrderRequest.model_validate(
        {
            "order_id": order_id,
            "member_id": member_id,
            "currency": "USD",
            "placed_at": at(when).isoformat(),
            "lines": [{"sku": "SEED", "category": "shoes", "quantity": 1, "unit_price_minor": points * 100}],
        }
    )
    return accrual.accrue(order)


def run(job: str, local: str, *, items: int = 100_000) -> Counter[str]:
    """Run a daily job as its schedule would at local time ``local`` (the event's scheduled_time): the
    clock says that time too, as it does when a schedule fires."""
    clock.set_clock(lambda: at(local))
    return catalog.run_day(job, at(local), runner.Budget(items))


def profile(member_id: str) -> dict[str, Any]:
    answer = dynamodb().get_item(TableName=table_name(), Key=to_item(keys.member(member_id)), ConsistentRead=True)
    return from_item(answer["Item"])


def held(member_id: str) -> dict[str, int]:
    """The member's points by expiry day, as its lots hold them."""
    state = member_reads.read(member_id, "all")
    assert state is not None
    return state.lots


@dataclass(frozen=True)
class Sent:
    to: str
    subject: str
    text: str
    html: str
    headers: dict[str, str]


def sent_emails() -> list[Sent]:
    """What moto's SES received (sesv2 SendEmail with Raw content lands in the SES v1 backend)."""
    found = []
    for message in ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages:
        parsed = email.message_from_string(message.raw_data, policy=email.policy.default)
        text = parsed.get_body(preferencelist=("plain",))
        rich = parsed.get_body(preferencelist=("html",))
        found.append(
            Sent(
                to=str(parsed["To"]),
                subject=str(parsed["Subject"]),
                text=text.get_content() if text else "",  # type: ignore[union-attr]
                html=rich.get_content() if rich else "",  # type: ignore[union-attr]
                headers={name: str(value) for name, value in parsed.items()},
            )
        )
    return found


def queued_messages() -> list[dict[str, Any]]:
    """Every message waiting in the jobs queue (received and deleted)."""
    import os

    return taken(os.environ["JOBS_QUEUE_URL"])
