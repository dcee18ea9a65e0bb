"""The load test's pure parts: what counts as a conflict and a retry at the DynamoDB edge, which items a
transaction writes, how shared they were, the percentiles, and the clones the seeding writes."""

from __future__ import annotations

from typing import Any

from bench import environments, load, seeding
from loyalty.store import keys

TABLE = "LoyaltyTable-local"


def cancelled(*codes: str) -> dict[str, Any]:
    """A TransactWriteItems answer as botocore parses DynamoDB's (and DynamoDB Local's) cancellation."""
    return {
        "Error": {"Code": "TransactionCanceledException", "Message": "Transaction cancelled"},
        "CancellationReasons": [{"Code": code} for code in codes],
    }


def test_a_conflict_is_a_cancellation_with_a_transaction_conflict_reason() -> None:
    assert environments.conflicted(cancelled("None", "TransactionConflict", "None"))
    assert environments.conflicted({"Error": {"Code": "TransactionConflictException"}})
    assert not environments.conflicted(cancelled("None", "ConditionalCheckFailed"))
    assert not environments.conflicted({"ConsumedCapacity": []})


def test_retries_are_the_transactions_sent_after_a_failed_one() -> None:
    counts = environments.EdgeCounts()
    counts.record(cancelled("TransactionConflict"))
    counts.record(cancelled("ConditionalCheckFailed"))  # read again, planned again: still a retry
    counts.record({})
    counts.record({})  # a second transaction after a written one is not a retry
    assert (counts.transactions, counts.conflicts, counts.retries) == (4, 1, 2)


def test_written_keys_leave_out_what_a_condition_check_only_reads() -> None:
    items = [
        {"Put": {"TableName": TABLE, "Item": {"PK": {"S": "ORDER#o1"}, "SK": {"S": "ORDER"}, "x": {"N": "1"}}}},
        {"Update": {"TableName": TABLE, "Key": {"PK": {"S": "MEMBER#m1"}, "SK": {"S": "PROFILE"}}}},
        {"ConditionCheck": {"TableName": TABLE, "Key": {"PK": {"S": "REWARD#r"}, "SK": {"S": "STOCK"}}}},
        {"Delete": {"TableName": TABLE, "Key": {"PK": {"S": "HOLD#h"}, "SK": {"S": "HOLD"}}}},
    ]
    assert environments.written_keys(items) == [
        f"{TABLE}|ORDER#o1|ORDER",
        f"{TABLE}|MEMBER#m1|PROFILE",
        f"{TABLE}|HOLD#h|HOLD",
    ]


def test_shared_items_are_those_written_more_often_than_a_members_own() -> None:
    # Three members, two orders each: their own items twice, one accounting shard by all six, a budget
    # counter by four of them.
    written = []
    for order in range(6):
        member = f"MEMBER#m{order % 3}|PROFILE"
        written.append([f"ORDER#o{order}|ORDER", member, "ACCT#03|DAY#2026-12-07"] + (["BUDGET"] * (order < 4)))
    found = load.shared_items(written, seconds=2.0, own_writes=2)
    assert found["shared_items"] == 2
    assert found["hottest_item_writes"] == 6
    assert found["hottest_item_writes_per_s"] == 3.0
    assert found["hottest_item"] == "DAY#2026-12-07"
    assert found["shared_items_per_transaction"] == round(10 / 6, 3)


def test_percentiles_are_nearest_rank() -> None:
    values = [float(value) for value in range(1, 101)]
    assert (load.percentile(values, 0.50), load.percentile(values, 0.95), load.percentile(values, 0.99)) == (
        50.0,
        95.0,
        99.0,
    )
    assert load.percentile([7.0], 0.99) == 7.0
    assert load.percentile([], 0.5) == 0.0


def test_a_clone_is_the_member_under_another_id_in_its_own_shard() -> None:
    old, new = "loadtemplatemember", "load-00001"
    assert keys.shard_of(old) != keys.shard_of(new)  # else the test would not see the shard move
    due = keys.due_partition("EXPIRE", keys.shard_of(old))
    other = keys.due_partition("EXPIRE", (keys.shard_of(old) + 1) % 16)
    item = {
        "PK": {"S": keys.member_partition(old)},
        "SK": {"S": "PROFILE"},
        "member_id": {"S": old},
        "email": {"S": f"{old}@example.com"},
        "GSI5PK": {"S": due},
        "note": {"S": other},  # a shard that was not the member's stays as it was
        "available": {"N": "120"},
    }
    cloned = seeding.clone(item, old, new, keys.shard_of)
    assert cloned["PK"] == {"S": keys.member_partition(new)}
    assert cloned["member_id"] == {"S": new}
    assert cloned["email"] == {"S": f"{new}@example.com"}
    assert cloned["GSI5PK"] == {"S": keys.due_partition("EXPIRE", keys.shard_of(new))}
    assert cloned["note"] == {"S": other}
    assert cloned["available"] == {"N": "120"}
    assert item["member_id"] == {"S": old}  # the template is left as it was
