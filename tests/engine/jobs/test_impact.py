"""The impact aggregates (loyalty.services.impact), kept from the table's stream by the publisher as the
books are: no member transaction writes them; orders, refunds, non-members' orders and enrollments go in
exactly once (a batch delivered twice adds nothing); the experiments and retention reports read them.

The stream is the backend's own (moto's, DynamoDB Local's), read as Lambda reads it (local/streams.py)
and handed to the real handler."""

from __future__ import annotations

import random
from typing import Any

import pytest

from harness.books import settle_books
from harness.counting import DynamoCalls
from local import runtime
from local.template import Template
from loyalty.adapters import clock
from loyalty.models.experiments import GuestOrderRequest
from loyalty.models.order import RefundRequest
from loyalty.services import guest_orders, impact_reports, refunds
from loyalty.store import impact, keys
from loyalty.store.client import dynamodb, table_name, to_item
from tests.engine.jobs.test_books import Recording
from tests.service.jobs.conftest import at, configure, earn, enroll

pytestmark = pytest.mark.engine


def hold_out(member_id: str) -> None:
    """What the holdout draw at enrollment leaves on the member item (``grp``: wt23-holdout's field)."""
    dynamodb().update_item(
        TableName=table_name(),
        Key=to_item(keys.member(member_id)),
        UpdateExpression="SET grp = :h",
        ExpressionAttributeValues={":h": {"S": "h"}},
    )


def guest(order_id: str, customer: str, total: int, when: str) -> None:
    clock.set_clock(lambda: at(when))
    body = {"order_id": order_id, "customer_ref": customer, "currency": "USD", "placed_at": at(when).isoformat(),
            "total_minor": total}  # fmt: skip
    guest_orders.record(GuestOrderRequest.model_validate(body))


def a_month() -> None:
    enroll("t-1", when="2027-02-10 09:00")
    enroll("t-2", when="2027-03-02 09:00")
    enroll("h-1", when="2027-03-02 09:00")
    hold_out("h-1")
    earn("t-1", "o-1", 10, "2027-03-03 12:00")  # 1,000 minor units
    earn("t-1", "o-2", 30, "2027-03-05 12:00")
    earn("t-2", "o-3", 20, "2027-03-06 12:00")
    earn("h-1", "o-4", 15, "2027-03-07 12:00")
    clock.set_clock(lambda: at("2027-03-08 12:00"))
    refunds.refund("o-2", RefundRequest.model_validate({"refund_id": "r-1", "amount_minor": 1000}))
    guest("g-1", "buyer@example.com", 2500, "2027-03-09 12:00")
    guest("g-2", " Buyer@Example.com", 500, "2027-03-10 12:00")  # the same customer
    guest("g-3", "shop-customer-77", 4000, "2027-03-11 12:00")


def aggregates() -> dict[str, dict[str, int]]:
    return impact.aggregates()


def test_no_member_transaction_writes_an_impact_item(jobs: str) -> None:
    enroll("w-1", when="2027-03-02 09:00")
    with DynamoCalls() as calls:
        earn("w-1", "w-o1", 120, "2027-03-03 12:00")
    assert "TransactWriteItems" in calls.operations
    assert not aggregates()  # nothing until the stream is read
    settle_books()
    assert aggregates()["G/2027-03/t"]["o"] == 1


def test_orders_refunds_and_guest_orders_make_exact_sums_and_squares(jobs: str) -> None:
    a_month()
    settle_books()
    found = aggregates()
    # t-1: 1,000 + 3,000 - 1,000 refunded = 3,000 in 2 orders; t-2: 2,000 in 1.
    assert found["G/2027-03/t"] == {"c": 2, "o": 3, "r": 5000, "qr": 3000**2 + 2000**2, "qo": 4 + 1,
                                    "qx": 3000 * 2 + 2000, "rp": 1, "p": 60}  # fmt: skip
    assert found["G/2027-03/h"] == {"c": 1, "o": 1, "r": 1500, "qr": 1500**2, "qo": 1, "qx": 1500, "p": 15}
    assert found["G/2027-03/n"] == {"c": 2, "o": 3, "r": 7000, "qr": 3000**2 + 4000**2, "qo": 4 + 1,
                                    "qx": 3000 * 2 + 4000, "rp": 1}  # fmt: skip
    assert found["C/2027-02"] == {"n": 1, "a2027-03": 1}
    assert found["C/2027-03"] == {"n": 2, "nh": 1, "a2027-03": 2}
    assert found["L"] == {"m2027-03": 3}  # every member's last order is in March (t-1's moved from February)


def test_no_email_or_name_of_a_non_member_is_stored(jobs: str) -> None:
    guest("g-9", "someone@example.com", 100, "2027-03-09 12:00")
    item = impact.guest_order("g-9")
    assert item is not None
    assert "someone" not in str(item) and "example" not in str(item)
    assert set(item) == {"PK", "SK", "h", "m", "total", "currency", "placed_at"}


def test_a_batch_delivered_twice_adds_nothing_the_second_time(jobs: str, template: Template) -> None:
    a_month()
    recording = Recording(template)
    recording.poller.drain()
    once = aggregates()
    assert once["G/2027-03/t"]["o"] == 3
    for event in recording.events:  # Lambda may deliver any batch again
        answer = runtime.invoke(template, "EventPublisherFunction", event)
        assert answer["batchItemFailures"] == []
    assert aggregates() == once


def test_a_batch_failed_half_way_resumes_after_the_last_step_written(jobs: str, template: Template) -> None:
    """The checkpoint moved with the steps written: taken in again from the first record, a batch adds
    only what its later steps bring."""
    a_month()
    recording = Recording(template)
    recording.poller.drain()
    once = aggregates()
    shard = recording.events[0]["shardId"]
    records = [record for event in recording.events for record in event["Records"]]
    # As if only the records up to the third order were taken in: the checkpoint there, the rest undone.
    for key in [impact.aggregate_key(name) for name in once]:
        dynamodb().delete_item(TableName=table_name(), Key=to_item(key))
    for raw in dynamodb().scan(TableName=table_name())["Items"]:
        if raw["PK"]["S"].startswith(impact.CUSTOMER_PREFIX) or raw["PK"]["S"] == impact.CHECKPOINTS:
            dynamodb().delete_item(TableName=table_name(), Key={"PK": raw["PK"], "SK": raw["SK"]})
    half = len(records) // 2
    runtime.invoke(template, "EventPublisherFunction", {"Records": records[:half], "shardId": shard})
    runtime.invoke(template, "EventPublisherFunction", {"Records": records, "shardId": shard})
    assert aggregates() == once


def test_the_reports_read_the_aggregates(jobs: str) -> None:
    configure(gross_margin_rate=0.4)
    a_month()
    settle_books()
    clock.set_clock(lambda: at("2027-04-02 10:00"))
    report = impact_reports.experiments("2027-03", "2027-03")
    assert report.groups.treatment.customers == 2 and report.groups.treatment.revenue_minor == 5000
    assert report.groups.members.orders == 4 and report.groups.non_members.customers == 2
    assert report.groups.non_members.average_order_value_minor == round(7000 / 3)
    assert report.program_cost_minor > 0
    assert any("fewer than 30" in warning for warning in report.warnings)
    names = {(c.name, c.metric): c for c in report.comparisons}
    assert len(names) == 8 and names[("treatment_vs_holdout", "revenue_minor")].causal
    # Revenue per member of the month (everyone enrolled by March, buyers or not): 5,000 / 2 vs 1,500 / 1.
    assert names[("treatment_vs_holdout", "revenue_minor")].lift == pytest.approx(2500 / 1500 - 1)
    retention = impact_reports.retention("2027-02", "2027-03")
    assert [(c.cohort, c.members, c.active) for c in retention.cohorts] == [
        ("2027-02", 1, [0.0, 1.0, 0.0]),
        ("2027-03", 2, [1.0, 0.0]),
    ]
    assert retention.churn_rate == 0.0
    clock.set_clock(lambda: at("2027-09-02 10:00"))  # five months on, past the 90 days of dormancy
    assert impact_reports.retention("2027-03", "2027-03").churn_rate == 1.0


def seeded_history(planted: float, seed: int) -> None:
    """200 members, a fifth held out; each member orders in March with probability 0.4, a treatment
    member with 0.4 x (1 + planted); 30 non-members' orders."""
    rng = random.Random(seed)
    for number in range(200):
        member = f"s-{number}"
        enroll(member, when="2027-02-15 09:00")
        holdout = rng.random() < 0.2
        if holdout:
            hold_out(member)
        if rng.random() < 0.4 * (1 if holdout else 1 + planted):
            earn(member, f"s-o{number}", rng.randint(20, 60), f"2027-03-{rng.randint(1, 28):02d} 12:00")
    for number in range(30):
        guest(f"s-g{number}", f"guest-{number}", rng.randint(2000, 6000), f"2027-03-{number % 28 + 1:02d} 12:00")


# The interval's arithmetic over the aggregates, not the engine's rules (the tests above run those on both
# engines): on moto only, which takes the 200 members' history in a seventh of DynamoDB Local's time.
@pytest.mark.parametrize("aws", ["moto"], indirect=True)
@pytest.mark.parametrize("planted", [0.5, 0.0])
def test_a_seeded_history_gives_an_interval_holding_the_planted_lift(jobs: str, planted: float) -> None:
    seeded_history(planted, seed=7)
    settle_books()
    clock.set_clock(lambda: at("2027-04-02 10:00"))
    report = impact_reports.experiments("2027-03", "2027-03")
    found: Any = next(
        c for c in report.comparisons if (c.name, c.metric) == ("treatment_vs_holdout", "purchase_frequency")
    )
    assert found.ci95_low is not None and found.ci95_high is not None
    assert found.ci95_low <= planted <= found.ci95_high
    assert report.groups.non_members.customers == 30
