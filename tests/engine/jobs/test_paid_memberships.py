"""Paid memberships through the store and the daily job: bought, renewed and refunded, a membership ends
on its day in the program's timezone (the TIER index day is also its end's), after an outage too, and
the member's tier returns to what its points give."""

from __future__ import annotations

from typing import Any

import pytest

from harness.programs import PLUS
from loyalty.adapters import clock
from loyalty.models.order import OrderRequest, RefundRequest
from loyalty.services import accrual, members, refunds
from loyalty.store import outbox
from tests.service.jobs.conftest import at, configure, enroll, profile, run, sent_emails

# The engine decides these outcomes (transactions, conditions, index queries): moto and DynamoDB Local.
pytestmark = pytest.mark.engine


def buy(order_id: str, when: str, quantity: int = 1) -> Any:
    clock.set_clock(lambda: at(when))
    line = {"sku": "PLUS-1M", "category": "memberships", "quantity": quantity, "unit_price_minor": 1_000}
    body = {"order_id": order_id, "member_id": "m-1", "currency": "USD", "placed_at": at(when).isoformat()}
    return accrual.accrue(OrderRequest.model_validate({**body, "lines": [line]}))


def held() -> tuple[str, list[tuple[str, str]]]:
    member = members.get("m-1")
    return member.tier.name, [(m.membership_id, m.until.isoformat()) for m in member.memberships]


def test_bought_renewed_and_the_renewal_refunded_it_ends_on_its_day_and_the_tier_follows_the_points(
    jobs: str,
) -> None:
    configure(memberships=[PLUS])
    enroll("m-1", when="2026-11-02 10:00")
    buy("o-1", "2026-11-02 10:00")  # until the start of 2 December in New York
    buy("o-2", "2026-11-03 10:00", quantity=2)  # renewed: until 2 February
    assert profile("m-1")["ms"] == {"plus": "2027-02-02T00:00:00-05:00"}
    clock.set_clock(lambda: at("2026-11-04 10:00"))
    back = RefundRequest.model_validate({"refund_id": "r-2", "lines": [{"sku": "PLUS-1M", "quantity": 2}]})
    refunds.refund("o-2", back)
    assert held() == ("Gold", [("plus", "2026-12-02T00:00:00-05:00")])  # a New York midnight
    # The reminder day (14 days' notice) and the day before the end find it held.
    assert profile("m-1")["GSI4SK"] == "2026-11-18"
    counts = run("tier_review", "2026-11-18 00:30")
    assert profile("m-1")["GSI4SK"] == "2026-12-02"
    # The reminder went out on its day, once (consent and cooldown as the other emails).
    assert counts["emails_sent_membership_ending"] == 1
    assert [(sent.to, sent.subject) for sent in sent_emails()] == [
        ("m-1@example.com", "Your Plus membership ends on 2 December 2026")
    ]
    assert "Renew it before then" in sent_emails()[0].text
    run("tier_review", "2026-12-01 00:30")
    assert held()[0] == "Gold" and len(sent_emails()) == 1
    counts = run("tier_review", "2026-12-02 00:30")
    assert counts["tier_reviews"] == 1 and counts["failures"] == 0
    assert held() == ("Bronze", []) and "ms" not in profile("m-1")
    published = [(event["type"], event["data"]) for event in outbox.entries_of(profile("m-1"))]
    assert published == [
        ("membership.ended", {"membership_id": "plus", "reason": "time"}),
        ("tier.changed", {"from": "Gold", "to": "Bronze"}),
    ]


def test_after_an_outage_the_next_run_ends_a_membership_whose_day_was_missed(jobs: str) -> None:
    configure(memberships=[PLUS], emails={**configure().emails.model_dump(mode="json"), "expiring_notice_days": 1})
    enroll("m-1", when="2026-11-02 10:00")
    buy("o-1", "2026-11-02 10:00")
    run("tier_review", "2026-12-01 00:30")  # the reminder day
    assert held()[0] == "Gold"
    run("tier_review", "2026-12-05 00:30")  # the runs of 2 to 4 December never happened
    assert held() == ("Bronze", [])


def test_a_member_who_opted_out_gets_no_reminder(jobs: str) -> None:
    configure(memberships=[PLUS])
    enroll("m-1", opt_in=False, when="2026-11-02 10:00")
    buy("o-1", "2026-11-02 10:00")
    counts = run("tier_review", "2026-11-18 00:30")
    assert counts["tier_reviews"] == 1 and sent_emails() == []
