"""Referrals (issue 13, item 1): A refers B; B's first order of at least min_order_minor completes the
referral once its points are available, and both are credited once, whatever is run twice or replayed.
Milestones pay once each at their counts, the cap stops the referrer's rewards, a refunded order never
completes a referral. Every test ends with the audit."""

from __future__ import annotations

import copy
import os
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

import audit
from harness.books import settle_books
from harness.counting import DynamoCalls
from local import runtime, streams
from local.template import Template
from loyalty.adapters import clock
from loyalty.domain.errors import InvalidInput
from loyalty.models.member import EnrollRequest
from loyalty.models.order import RefundRequest
from loyalty.services import activity, events, members, referrals, refunds
from loyalty.store import keys
from loyalty.store.client import dynamodb, from_item, table_name, to_item
from tests.auditing import audit_clean
from tests.service.events import helpers
from tests.service.jobs.conftest import at, configure, earn, run

# The engine decides these outcomes (transactions, conditions, index queries): moto and DynamoDB Local.
pytestmark = pytest.mark.engine

RULES: dict[str, Any] = {
    "referrer_points": 500,
    "referee_points": 200,
    "min_order_minor": 5_000,
    "milestones": [{"count": 1, "bonus_points": 100}, {"count": 3, "bonus_points": 1000}],
}


@pytest.fixture(autouse=True)
def sound_afterwards(jobs: str) -> Iterator[None]:
    yield
    audit_clean()


def enroll(member_id: str, code: str | None = None, email: str | None = None, when: str = "2026-11-22 09:00") -> str:
    clock.set_clock(lambda: at(when))
    body: dict[str, Any] = {"member_id": member_id, "email": email or f"{member_id}@example.com"}
    if code is not None:
        body["referral_code"] = code
    member, _ = members.enroll(EnrollRequest.model_validate(body))
    return member.referral_code


def available(member_id: str) -> int:
    return members.get(member_id).points.available


def kinds(member_id: str) -> list[tuple[str, str, int]]:
    page = activity.page(member_id, 100, None)
    return sorted((e.kind, e.entry_id, e.points) for e in page.items if e.kind in ("referral", "bonus"))


def _update(key: dict[str, Any], expression: str, values: dict[str, Any], names: dict[str, str] | None = None) -> None:
    """An item changed behind the services' back, as a bug or a hand edit would."""
    names_given: dict[str, Any] = {"ExpressionAttributeNames": names} if names else {}
    dynamodb().update_item(
        TableName=table_name(), Key=key, UpdateExpression=expression, ExpressionAttributeValues=values, **names_given
    )


def test_a_referral_completes_when_the_first_qualifying_order_matures_and_pays_both_once(jobs: str) -> None:
    configure(pending_days=14, referrals=RULES)
    code = enroll("a")
    enroll("b", code)
    earn("b", "small", 40, "2026-11-22 10:00")  # below min_order_minor: never a candidate
    earn("b", "o-1", 60, "2026-11-22 11:00")
    earn("b", "o-1", 60, "2026-11-22 11:00")  # the order replayed
    assert referrals.view("a").pending == 1

    assert run("mature", "2026-12-05 00:05")["referrals_completed"] == 0  # not yet due
    counts = run("mature", "2026-12-06 00:05")
    assert counts["referrals_completed"] == 1 and counts["referral_milestones"] == 1
    assert available("b") == 40 + 60 + 200
    assert available("a") == 500 + 100
    assert run("mature", "2026-12-06 00:05")["referrals_completed"] == 0  # the job run twice
    assert run("mature", "2026-12-07 00:05")["items_read"] == 0  # the record left the index
    earn("b", "o-1", 60, "2026-12-07 11:00")  # replayed after it all
    earn("b", "o-2", 90, "2026-12-07 12:00")  # a later order: the referral is done
    run("mature", "2026-12-22 00:05")
    assert available("a") == 600
    assert available("b") == 40 + 60 + 200 + 90
    assert kinds("a") == [("bonus", "milestone:a:1", 100), ("referral", "referrer:b", 500)]
    assert kinds("b") == [("referral", "referee:b", 200)]
    view = referrals.view("a")
    assert (view.completed, view.pending) == (1, 0)
    assert view.next_milestone is not None and view.next_milestone.count == 3


def test_an_order_refunded_in_full_before_it_matures_completes_nothing(jobs: str) -> None:
    configure(pending_days=14, referrals=RULES)
    code = enroll("a")
    enroll("b", code)
    earn("b", "o-1", 60, "2026-11-22 11:00")
    clock.set_clock(lambda: at("2026-11-25 10:00"))
    refunds.refund("o-1", RefundRequest.model_validate({"refund_id": "r-1", "amount_minor": 6_000}))
    counts = run("mature", "2026-12-06 00:05")
    assert counts["referrals_dropped"] == 1 and counts["referrals_completed"] == 0
    assert available("a") == 0 and available("b") == 0
    assert referrals.view("a").completed == 0
    # The next qualifying order may still complete it.
    earn("b", "o-2", 70, "2026-12-07 11:00")
    assert run("mature", "2026-12-21 00:05")["referrals_completed"] == 1
    assert available("b") == 70 + 200 and available("a") == 600


def test_without_pending_days_the_accrual_completes_it_and_the_next_run_credits(jobs: str) -> None:
    configure(pending_days=0, referrals=RULES)
    code = enroll("a")
    enroll("b", code)
    earn("b", "o-1", 60, "2026-11-22 11:00")
    record = from_item(
        dynamodb().get_item(TableName=table_name(), Key=to_item(keys.referee("b")), ConsistentRead=True)["Item"]
    )
    assert record["status"] == "completed"
    assert run("mature", "2026-11-23 00:05")["referrals_completed"] == 1
    assert (available("a"), available("b")) == (600, 260)


def test_milestones_at_one_and_three_pay_once_and_the_cap_stops_the_referrer(jobs: str) -> None:
    configure(pending_days=0, referrals={**RULES, "max_per_member": 3})
    code = enroll("a")
    for index in range(5):
        enroll(f"b{index}", code)
        earn(f"b{index}", f"o-{index}", 50, "2026-11-22 11:00")
        run("mature", "2026-11-23 00:05")
        run("mature", "2026-11-23 00:05")
    # 3 x 500 referrer points, milestone 1 (100) and 3 (1000); the 4th and 5th pay the referrer nothing
    assert available("a") == 3 * 500 + 100 + 1000
    assert all(available(f"b{index}") == 250 for index in range(5))  # every referee is credited
    view = referrals.view("a")
    assert (view.completed, view.pending, view.next_milestone) == (5, 0, None)


@pytest.mark.parametrize("email", ["a@example.com", "A+friend@Example.com"])
def test_own_code_and_the_same_mailbox_are_refused(jobs: str, email: str) -> None:
    configure(referrals=RULES)
    code = enroll("a")
    with pytest.raises(InvalidInput):
        enroll("a", code)
    with pytest.raises(InvalidInput):
        enroll("a2", code, email=email)
    assert referrals.view("a").pending == 0


@pytest.mark.parametrize("pending_days", [0, 14])
def test_the_referees_qualifying_accrual_still_costs_two_round_trips(jobs: str, pending_days: int) -> None:
    configure(pending_days=pending_days, referrals=RULES)
    code = enroll("a")
    enroll("b", code)
    earn("b", "o-0", 10, "2026-11-22 10:00")  # a member who already has a lot, as most do
    with DynamoCalls() as plain:
        earn("b", "o-00", 10, "2026-11-22 10:30")
    with DynamoCalls() as calls:
        earn("b", "o-1", 60, "2026-11-22 11:00")
    assert calls.operations == ["Query", "TransactWriteItems"]
    if jobs == "dynamodb-local":  # moto does not report consumed capacity faithfully
        # The referee's record: one item more (2 units, a transaction) and its maturing index entry (2,
        # as DynamoDB Local reports a transaction's index writes), once in a referee's life.
        assert calls.write_units <= plain.write_units + 4


def test_the_audit_checks_the_referral_counts_and_entries(jobs: str) -> None:
    configure(pending_days=0, referrals=RULES)
    code = enroll("a")
    enroll("b", code)
    earn("b", "o-1", 60, "2026-11-22 11:00")
    run("mature", "2026-11-23 00:05")
    key = to_item(keys.referral(code))
    _update(key, "ADD completed :n", {":n": {"N": "1"}})
    settle_books()
    report = audit.run()
    assert ("member a", "referrals") in {(p.subject, p.check) for p in report.problems}
    _update(key, "ADD completed :n", {":n": {"N": "-1"}})
    record = to_item(keys.referee("b"))
    _update(record, "SET #s = :s", {":s": {"S": "dropped"}}, {"#s": "status"})
    found = {(p.subject, p.check, p.detail) for p in audit.run().problems}
    assert ("member b", "referrals", "referee:b rewards a referral that did not complete") in found
    _update(record, "SET #s = :s", {":s": {"S": "credited"}}, {"#s": "status"})


# --- Within seconds: the table stream credits a referral the accrual wrote completed (issue 19, item 9) ---


class Stream:
    """The table's stream event source as Lambda runs it (local/streams.py), keeping each batch it
    handed the publisher and each answer, so a test can deliver a batch again."""

    def __init__(self, template: Template) -> None:
        self.template = template
        self.batches: list[dict[str, Any]] = []
        self.answers: list[Any] = []
        (self.poller,) = streams.pollers(
            template, {"LoyaltyTable": os.environ["TABLE_NAME"]}, threading.Event(), consumer=self._invoke
        )

    def _invoke(self, function: str, event: dict[str, Any]) -> Any:
        self.batches.append(copy.deepcopy(event))
        answer = runtime.invoke(self.template, function, event)
        self.answers.append(answer)
        return answer

    def drain(self) -> None:
        self.poller.drain()

    def deliver_again(self) -> None:
        for batch in list(self.batches):
            # The mapping's tumbling window names the shard; the answer carries its (empty) state.
            answer = runtime.invoke(self.template, "EventPublisherFunction", batch)
            assert answer == {"batchItemFailures": [], "state": {}}


def referee_records(batch: dict[str, Any]) -> list[dict[str, Any]]:
    return [record for record in batch["Records"] if record["dynamodb"]["Keys"]["PK"]["S"].startswith("REFEREE#")]


def test_without_pending_days_both_members_see_the_referral_once_the_stream_is_processed(
    jobs: str, template: Template
) -> None:
    """Before: the accrual wrote the record completed and nothing credited it until the next nightly run."""
    configure(pending_days=0, referrals=RULES)
    stream = Stream(template)
    code = enroll("a")
    enroll("b", code)
    with DynamoCalls() as calls:
        earn("b", "o-1", 60, "2026-11-22 11:00")
    assert calls.operations == ["Query", "TransactWriteItems"]  # the accrual writes only the referee's items
    assert (available("a"), available("b")) == (0, 60)

    stream.drain()
    assert any(referee_records(batch) for batch in stream.batches), "the filter hands the publisher the record"
    assert (available("a"), available("b")) == (500 + 100, 60 + 200)
    assert kinds("a") == [("bonus", "milestone:a:1", 100), ("referral", "referrer:b", 500)]
    assert kinds("b") == [("referral", "referee:b", 200)]
    view = referrals.view("a")
    assert (view.completed, view.pending) == (1, 0)

    counts = run("mature", "2026-11-23 00:05")  # the nightly run afterwards: nothing left to do
    assert counts["referrals_completed"] == 0 and counts["items_read"] == 0
    stream.drain()  # what the referral's own writes put on the stream: published, credited nothing more
    stream.deliver_again()  # every batch delivered a second time, as Lambda may
    assert (available("a"), available("b")) == (600, 260)
    assert kinds("a") == [("bonus", "milestone:a:1", 100), ("referral", "referrer:b", 500)]
    assert kinds("b") == [("referral", "referee:b", 200)]
    assert referrals.view("a").completed == 1


def test_the_nightly_run_first_then_the_stream_credits_once(jobs: str, template: Template) -> None:
    configure(pending_days=0, referrals={**RULES, "max_per_member": 2})
    stream = Stream(template)
    code = enroll("a")
    for index in range(3):
        enroll(f"b{index}", code)
        earn(f"b{index}", f"o-{index}", 50, "2026-11-22 11:00")
    assert run("mature", "2026-11-23 00:05")["referrals_completed"] == 3  # the stream lags behind the job
    stream.drain()
    stream.deliver_again()
    # The cap (2) holds however the two paths interleave: 2 x 500 and milestone 1, once.
    assert available("a") == 2 * 500 + 100
    assert all(available(f"b{index}") == 250 for index in range(3))
    assert referrals.view("a").completed == 3


def test_a_referral_the_stream_cannot_credit_is_retried_without_holding_events_back(
    jobs: str, template: Template, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(pending_days=0, referrals=RULES)
    tap = helpers.create_tap()
    stream = Stream(template)
    code = enroll("a")
    enroll("b", code)
    earn("b", "o-1", 60, "2026-11-22 11:00")
    enroll("c", when="2026-11-22 11:30")  # a write after the referee's record, in the same batch
    real_credit, failures = referrals.credit, [1]

    def throttled(*args: Any) -> referrals.Credited:
        if failures:
            failures.pop()
            raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, "GetItem")
        return real_credit(*args)

    monkeypatch.setattr(referrals, "credit", throttled)
    stream.poller.poll_once()
    (record,) = referee_records(stream.batches[0])
    # Lambda retries from the record...
    assert stream.answers[0]["batchItemFailures"] == [{"itemIdentifier": record["dynamodb"]["SequenceNumber"]}]
    # ...and every event of the batch went out, the ones written after the record too.
    assert {"a:1:0", "b:1:0", "b:2:0", "c:1:0"} <= {message["detail"]["id"] for message in helpers.tapped(tap)}
    assert available("a") == 0

    stream.drain()  # the retry: credited, and the events after the record published again with their ids
    assert (available("a"), available("b")) == (600, 260)
    assert not stream.answers[-1]["batchItemFailures"]
    assert {"a:2:0", "a:2:1", "b:3:0"} <= {message["detail"]["id"] for message in helpers.tapped(tap)}


def test_a_referral_the_stream_keeps_failing_is_left_to_the_nightly_run(jobs: str, template: Template) -> None:
    configure(pending_days=0, referrals=RULES)
    stream = Stream(template)
    code = enroll("a")
    enroll("b", code)
    earn("b", "o-1", 60, "2026-11-22 11:00")

    def broken(*args: Any) -> referrals.Credited:
        raise ClientError({"Error": {"Code": "InternalServerError", "Message": "boom"}}, "TransactWriteItems")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(referrals, "credit", broken)
        stream.poller.poll_once()
        (record,) = referee_records(stream.batches[0])
        assert stream.answers[0]["batchItemFailures"] == [{"itemIdentifier": record["dynamodb"]["SequenceNumber"]}]
        # The same record, redelivered 5 minutes later and still failing: the shard moves on.
        record["dynamodb"]["ApproximateCreationDateTime"] = time.time() - events.REFERRAL_RETRY_SECONDS - 1
        published = events.publish([record])
        assert (published.failed_sequence, published.referrals_deferred) == (None, 1)
    assert available("a") == 0
    assert run("mature", "2026-11-23 00:05")["referrals_completed"] == 1  # the backstop
    assert (available("a"), available("b")) == (600, 260)
