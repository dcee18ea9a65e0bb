"""The books kept from the stream, their pure rules (loyalty.domain.stream_books): what a write hands
the stream, which records are taken in, how a batch becomes transactions with their checkpoint, and when
a month's books are complete."""

from __future__ import annotations

from decimal import Decimal

from loyalty.domain import stream_books as rules
from loyalty.domain.stream_books import Booked
from loyalty.domain.valuation import Movement


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
    assert rules.compact("2027-01-05", {"orders": 1}) == {"d": "2027-01-05", "a": {"orders": 1}}


def test_only_a_write_that_booked_at_its_own_version_is_taken_in() -> None:
    assert rules.applies("INSERT", None, 1, 1)  # an enrollment
    assert rules.applies("MODIFY", 4, 5, 5)  # an accrual
    assert not rules.applies("MODIFY", 5, 6, 5)  # a voucher used: the books left behind are v5's
    assert not rules.applies("MODIFY", 5, 5, 5)  # a due day moved: no new version, not a change
    assert not rules.applies("REMOVE", 5, None, 5)
    assert not rules.applies("MODIFY", 4, 5, None)  # a member that never booked


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
