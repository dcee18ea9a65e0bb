"""The accounting day items, kept from the table's stream by the publisher (loyalty.services.books):
no member transaction writes them; each batch's books go in exactly once (delivered twice, or retried
after its events failed to publish half-way), the month-end close waits for them, and a rebuild from
the ledger puts back the very same items.

The stream is the backend's own (moto's, DynamoDB Local's), read as Lambda reads it (local/streams.py)
and handed to the real handler."""

from __future__ import annotations

import copy
import threading
from collections import Counter
from typing import Any

import pytest

from harness.books import poller, settle_books
from harness.counting import DynamoCalls
from local import runtime, streams
from local.template import Template
from loyalty.adapters import clock, event_bus
from loyalty.services import books, reports
from loyalty.store import accounting, keys, outbox
from loyalty.store.client import dynamodb, from_item, table_name
from tests.auditing import audit_clean
from tests.service.jobs.conftest import at, earn, enroll, profile, run

pytestmark = pytest.mark.engine


def day_items() -> dict[tuple[str, str], dict[str, Any]]:
    """Every accounting day item, by key, as stored."""
    found = {}
    for shard in range(keys.DUE_SHARDS):
        answer = dynamodb().query(
            TableName=table_name(),
            KeyConditionExpression="PK = :pk AND begins_with(SK, :day)",
            ExpressionAttributeValues={":pk": {"S": keys.accounting_partition(shard)}, ":day": {"S": "DAY#"}},
            ConsistentRead=True,
        )
        for raw in answer["Items"]:
            item = from_item(raw)
            found[(str(item["PK"]), str(item["SK"]))] = item
    return found


def orders_booked() -> int:
    return sum(int(item.get("orders", 0)) for item in day_items().values())


def a_month_of_writes() -> None:
    for number in range(1, 7):
        enroll(f"b-{number}", when="2027-03-02 09:00")
    for number in range(1, 7):
        earn(f"b-{number}", f"b-o{number}", 100 * number, f"2027-03-{number + 2:02d} 12:00")
    earn("b-1", "b-o7", 700, "2027-03-20 12:00")


class Recording:
    """The publisher's stream source, keeping each event it handed over, so a test can hand it again."""

    def __init__(self, template: Template) -> None:
        self.template = template
        self.events: list[dict[str, Any]] = []
        settling = poller(template)  # the same source and table as harness.books, its own iterators
        self.poller = streams.StreamPoller(settling.source, settling.table_name, self._invoke, threading.Event())

    def _invoke(self, event: dict[str, Any]) -> Any:
        self.events.append(copy.deepcopy(event))
        return runtime.invoke(self.template, "EventPublisherFunction", event)


def test_no_member_transaction_writes_an_accounting_item(jobs: str) -> None:
    enroll("w-1", when="2027-03-02 09:00")
    with DynamoCalls() as calls:
        earn("w-1", "w-o1", 120, "2027-03-03 12:00")
    assert "TransactWriteItems" in calls.operations
    assert not day_items()  # nothing until the stream is read
    settle_books()
    assert set(day_items()) == {
        (keys.accounting_partition(keys.shard_of("w-1")), "DAY#2027-03-02"),
        (keys.accounting_partition(keys.shard_of("w-1")), "DAY#2027-03-03"),
    }
    assert orders_booked() == 1
    audit_clean()


def test_a_batch_delivered_twice_adds_nothing_the_second_time(jobs: str, template: Template) -> None:
    a_month_of_writes()
    recording = Recording(template)
    recording.poller.drain()
    assert recording.events and all(event.get("shardId") for event in recording.events)
    once = day_items()
    assert orders_booked() == 7
    for event in recording.events:  # Lambda may deliver any batch again
        answer = runtime.invoke(template, "EventPublisherFunction", event)
        assert answer["batchItemFailures"] == [] and answer["state"] == {}
    assert day_items() == once
    audit_clean()


def test_a_batch_that_fails_half_way_is_retried_without_adding_twice(
    jobs: str, template: Template, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Publishing fails at the batch's fourth event: the books of the whole batch are in, Lambda retries
    from the record of that event (ReportBatchItemFailures), and the retry adds nothing."""
    a_month_of_writes()
    real_put = event_bus.put
    failures = Counter[str]()

    def put(entries: Any) -> None:
        if not failures["done"] and len(entries) > 3:
            failures["done"] += 1
            raise event_bus.PublishFailed(3, ["InternalFailure"])
        real_put(entries)

    monkeypatch.setattr(event_bus, "put", put)
    recording = Recording(template)
    recording.poller.drain()
    assert failures["done"] == 1
    first, retried = recording.events[0]["Records"], recording.events[1]["Records"]
    # The record of the fourth event (the batch also holds records of items keeping books, with none).
    counts = [len(write.entries) if (write := outbox.from_record(record)) else 0 for record in first]
    failed = next(index for index in range(len(first)) if sum(counts[: index + 1]) > 3)
    assert retried[0]["dynamodb"]["SequenceNumber"] == first[failed]["dynamodb"]["SequenceNumber"]
    assert orders_booked() == 7
    audit_clean()  # the books equal the members' ledgers, tiers included


def test_a_checkpoint_moved_by_another_invocation_is_read_again_and_nothing_added_twice(
    jobs: str, template: Template
) -> None:
    """Two invocations of one shard (one timed out but still running, say): the one that planned from an
    older checkpoint finds its transaction refused, reads the checkpoint again and adds what is left."""
    from loyalty.store.stream_books import Checkpoint

    a_month_of_writes()
    recording = Recording(template)
    recording.poller.drain()
    shard = recording.events[0]["shardId"]
    assert orders_booked() == 7
    first = recording.events[0]["Records"][0]["dynamodb"]["SequenceNumber"]
    books._last[shard] = Checkpoint(shard, int(first), 0.0, first)  # what the other invocation had read
    for event in recording.events:
        runtime.invoke(template, "EventPublisherFunction", event)
    assert orders_booked() == 7
    audit_clean()


def test_what_a_write_hands_the_stream_stays_small_and_off_the_member_item(jobs: str) -> None:
    """An accrual's books ride on its order (put once), by DynamoDB's item size rules well under 200
    bytes; the member item, whose size prices every write of the member, carries none."""
    enroll("z-1", when="2027-03-02 09:00")
    earn("z-1", "z-o1", 120, "2027-03-03 12:00")
    earn("z-1", "z-o2", 120, "2027-03-04 12:00")  # a second order: its gap and second-order counters too
    key = {"PK": {"S": "ORDER#z-o2"}, "SK": {"S": "ORDER"}}
    books_map = from_item(dynamodb().get_item(TableName=table_name(), Key=key, ConsistentRead=True)["Item"])["booked"]
    size = len("booked") + 3 + sum(len(name) + 1 + len(str(value)) for name, value in books_map.items() if name != "a")
    size += 1 + 3 + sum(len(name) + 1 + len(str(value)) // 2 + 2 for name, value in books_map["a"].items())
    assert size <= 200, (size, books_map)
    assert "books" not in profile("z-1") and "bv" not in profile("z-1")


def test_books_without_the_shard_they_come_from_are_refused(jobs: str, template: Template) -> None:
    """A mapping without its tumbling window names no shard: the batch fails rather than add untracked."""
    enroll("s-1", when="2027-03-02 09:00")
    recording = Recording(template)
    recording.poller.drain()
    event = {"Records": recording.events[0]["Records"]}
    with pytest.raises(books.NoShard):
        runtime.invoke(template, "EventPublisherFunction", event)


def test_the_month_end_close_waits_for_the_books_then_freezes(jobs: str, template: Template) -> None:
    a_month_of_writes()
    clock.set_clock(lambda: at("2027-04-01 00:15"))
    sample = {"scheduled_time": "2027-04-01T04:15:00Z"}  # 00:15 in New York
    closed = runtime.invoke(template, "MonthCloseFunction", sample)
    assert closed["newly_frozen"] is False and accounting.closed("2027-03") is None  # the stream is not read yet
    settle_books()
    closed = runtime.invoke(template, "MonthCloseFunction", sample)
    assert (closed["month"], closed["newly_frozen"], closed["closing_points"]) == ("2027-03", True, 2800)
    assert runtime.invoke(template, "MonthCloseFunction", sample)["newly_frozen"] is False  # once
    clock.set_clock(lambda: at("2027-04-01 00:03"))  # before the cutoff, writes of March may be in flight
    assert not books.settled(books.month_end("2027-03", at("2027-04-01 00:00").tzinfo))  # type: ignore[arg-type]


def test_the_rebuild_from_the_ledger_puts_back_the_same_day_items(jobs: str, template: Template) -> None:
    a_month_of_writes()
    run("tier_review", "2027-03-25 00:30")
    settle_books()
    kept = day_items()
    assert kept
    clock.set_clock(lambda: at("2027-04-02 10:00"))
    march = (at("2027-03-01 00:00").date(), at("2027-03-31 00:00").date())
    kpis_before = reports.kpi_report(*march)  # read from the day items themselves
    for pk, sk in kept:
        dynamodb().delete_item(TableName=table_name(), Key={"PK": {"S": pk}, "SK": {"S": sk}})
    dynamodb().put_item(  # a stray day item with nothing behind it goes too
        TableName=table_name(), Item={"PK": {"S": "ACCT#05"}, "SK": {"S": "DAY#2027-02-01"}, "orders": {"N": "3"}}
    )
    zone = at("2027-04-02 10:00").tzinfo
    done = books.rebuild(at("2027-04-01 00:00").date(), zone)  # type: ignore[arg-type]
    assert done.days_deleted == 1
    assert day_items() == kept
    assert reports.kpi_report(*march) == kpis_before
    audit_clean()
