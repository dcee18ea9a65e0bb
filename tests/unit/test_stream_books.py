"""The books kept from the stream, their pure rules (loyalty.domain.stream_books): what a write hands
the stream, which records are taken in, how a batch becomes transactions with their checkpoint, and when
a month's books are complete."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from loyalty.domain import stream_books as rules
from loyalty.domain.stream_books import Booked
from loyalty.domain.valuation import Movement
from loyalty.store.stream_books import booked_in


def booked(sequence: int, shard: int = 3, day: str = "2027-01-05", created: float = 1000.0, **adds: int) -> Booked:
    return Booked(sequence, created, shard, day, dict(adds or {"orders": 1}))


def test_a_write_hands_the_stream_only_what_it_adds() -> None:
    movement = Movement("expired", 40, Decimal("0.4"), {"2027-03": (-40, Decimal("-0.4"))})
    found = rules.adds(movement, {"pending_p": 0, "t#Gold": -1, "t#Silver": 1})
    assert found == {
        "expired_p": 40,
        "expired_m": Decimal("0.4"),
        "x2027-03_p": -40,
        "x2027-03_m": Decimal("-0.4"),
        "e2027-03_c": 40,
        "t#Gold": -1,
        "t#Silver": 1,
    }  # the zero counter is left out: the map stays small
    redeemed = rules.adds(Movement("redeemed", 30, Decimal(30), {"2027-02": (-30, Decimal(-30))}))
    assert redeemed["r2027-02_c"] == 30


def kept(day: str, shard: int, **adds: int) -> dict[str, Any]:
    """A durable books map as the stream shows it (DynamoDB's wire form)."""
    found = {name: {"N": str(value)} for name, value in adds.items()}
    return {"M": {"d": {"S": day}, "s": {"N": str(shard)}, "a": {"M": found}}}


def record(event: str, sequence: str, new: dict[str, Any] | None, old: dict[str, Any] | None = None) -> dict[str, Any]:
    change: dict[str, Any] = {"Keys": {"PK": {"S": "ORDER#o-1"}, "SK": {"S": "ORDER"}}, "SequenceNumber": sequence}
    change["ApproximateCreationDateTime"] = 1000.0
    if new is not None:
        change["NewImage"] = {"PK": {"S": "ORDER#o-1"}, **new}
    if old is not None:
        change["OldImage"] = {"PK": {"S": "ORDER#o-1"}, **old}
    return {"eventName": event, "dynamodb": change}


def test_a_durable_books_map_is_taken_in_by_the_write_that_set_it_and_never_again() -> None:
    accrued = kept("2027-01-05", 7, orders=1, issued_sales_p=120)
    matured = kept("2027-01-19", 7, pending_p=-120)
    # The accrual puts the order with its books: taken in, to the shard and day the map names.
    (put,) = booked_in(record("INSERT", "0010", {"booked": accrued}))
    assert (put.sequence, put.shard, put.day, put.label) == (10, 7, "2027-01-05", "0010")
    assert put.adds == {"orders": 1, "issued_sales_p": 120}
    # Maturing first sets booked_m on the order: only that map is new.
    (later,) = booked_in(record("MODIFY", "11", {"booked": accrued, "booked_m": matured}, {"booked": accrued}))
    assert (later.day, later.adds) == ("2027-01-19", {"pending_p": -120})
    # A refund updates the order again: both maps were there already, nothing is taken in twice.
    same = {"booked": accrued, "booked_m": matured}
    assert booked_in(record("MODIFY", "12", {**same, "refunded": {"N": "1"}}, same)) == []
    assert booked_in(record("REMOVE", "13", None, same)) == []
    assert booked_in(record("MODIFY", "14", {"version": {"N": "5"}}, {"version": {"N": "4"}})) == []  # a member


def test_a_batch_sums_its_adds_by_day_item_and_moves_the_checkpoint_to_its_last_record() -> None:
    records = [
        booked(10, orders=1, revenue_m=500),
        booked(12, orders=1, revenue_m=250),
        booked(13, shard=7, orders=1),
        booked(15, day="2027-01-06", created=2000.0, orders=1),
    ]
    (step,) = rules.steps(records, None)
    assert step.items == {
        (3, "2027-01-05"): {"orders": 2, "revenue_m": 750},
        (7, "2027-01-05"): {"orders": 1},
        (3, "2027-01-06"): {"orders": 1},
    }
    assert (step.last, step.through) == (15, 2000.0)


def test_records_at_or_below_the_checkpoint_are_skipped_compared_as_integers() -> None:
    # "9" > "10" as text; as the stream orders them, 9 < 10.
    records = [booked(9), booked(10), booked(100, orders=5)]
    (step,) = rules.steps(records, 10)
    assert step.items == {(3, "2027-01-05"): {"orders": 5}} and step.last == 100
    assert rules.steps(records, 100) == []  # delivered twice: nothing to add
    assert [r.sequence for r in rules.pending(records, 9)] == [10, 100]


def test_a_retry_from_the_record_that_failed_to_publish_adds_nothing_already_taken_in() -> None:
    batch = [booked(n) for n in range(20, 30)]
    (first,) = rules.steps(batch, None)
    retried = batch[6:]  # Lambda retries from the 7th record (ReportBatchItemFailures)
    assert rules.steps(retried, first.last) == []


def test_adds_that_cancel_out_leave_no_attribute_but_still_move_the_checkpoint() -> None:
    (step,) = rules.steps([booked(1, pending_p=5), booked(2, pending_p=-5)], None)
    assert step.items == {}
    assert step.last == 2


def test_a_batch_over_the_transaction_limit_is_split_in_record_order() -> None:
    records = [booked(n, shard=n % 16, day=f"2027-01-{1 + n // 16:02d}") for n in range(1, 41)]
    split = rules.steps(records, None, limit=16)
    assert [len(step.items) for step in split] == [16, 16, 8]
    assert [step.last for step in split] == [16, 32, 40]  # each transaction moves the checkpoint on
    summed = rules.total(a for step in split for a in step.items.values())
    assert summed == {"orders": 40}


def test_the_books_of_one_record_are_never_split_between_transactions() -> None:
    """A record with two maps on two days (the checkpoint moves past whole records): one step."""
    records = [booked(1, day="2027-01-01"), booked(2, day="2027-01-02"), booked(2, day="2027-01-03")]
    split = rules.steps(records, None, limit=2)
    assert [sorted(day for _, day in step.items) for step in split] == [["2027-01-01", "2027-01-02", "2027-01-03"]]
    assert [step.last for step in split] == [2]


def test_a_shard_is_settled_once_its_checkpoint_passed_the_cutoff_or_nothing_before_it_waits() -> None:
    never = lambda: False  # noqa: E731
    done = lambda: True  # noqa: E731
    assert rules.shard_settled(1000.0, [], never, cutoff=1000.0)  # checkpoint at the cutoff
    # After the checkpoint: a record that books, written before the cutoff: not yet.
    assert not rules.shard_settled(900.0, [(950.0, False), (990.0, True)], done, cutoff=1000.0)
    # Only records that book nothing before the cutoff, then one after it: settled.
    assert rules.shard_settled(900.0, [(950.0, False), (1001.0, True)], never, cutoff=1000.0)
    # Read to the shard's newest record: settled; the probe's page budget ran out: not known, no.
    assert rules.shard_settled(None, [(950.0, False)], done, cutoff=1000.0)
    assert not rules.shard_settled(None, [(950.0, False)], never, cutoff=1000.0)


def test_a_month_closes_only_after_its_cutoff_and_when_every_shard_is_settled() -> None:
    end = 1_800_000_000.0
    cutoff = rules.close_cutoff(end)
    assert cutoff == end + rules.CLOSE_MARGIN_SECONDS
    assert not rules.settled(cutoff - 1, cutoff, [True, True])  # a write in flight may still come
    assert rules.settled(cutoff, cutoff, [True, True])
    assert not rules.settled(cutoff + 60, cutoff, [True, False])
