"""Due-work jobs: items the expiry job reads at two table sizes ten times apart, with the same work due.

Each size gets a table of its own (the template's schema, on DynamoDB Local) holding that many
members, each with a profile and one lot of points, cloned from a member the real services enrolled
and credited during this run, so the items have the services' shape. The expiry days spread over a
year; ``DUE`` members have points expiring on the measured day, whatever the size. The job must read
about what is due (DESIGN.md: items read <= 1.1 x items due), never more as the table grows. Per member
due it reads its keys-only index entry, then its profile and the lot that expires (one Query): the
report shows each share against what is due.
"""

from __future__ import annotations

import copy
import os
import re
from collections import Counter
from contextlib import nullcontext
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any

import boto3

from bench import seeding
from bench.counting import Capacity
from bench.stack import Stack, large_tables, progress, quiet_stdout

SIZES = (5_000, 50_000)
DUE = 500
DUE_DAY = date(2027, 12, 1)


def _templates(stack: Stack, member_id: str) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any] | None]:
    """A real member's profile and lot (its points by day of an expiry month), and the program item, as
    stored (DynamoDB JSON)."""
    from loyalty.store import keys

    client = seeding.client()
    table = stack.physical["LoyaltyTable"]
    items = client.query(
        TableName=table,
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": keys.member_partition(member_id)}},
        ConsistentRead=True,
    )["Items"]
    profile = next(item for item in items if item["SK"]["S"] == keys.PROFILE)
    lot = next(item for item in items if item["SK"]["S"].startswith(keys.LOT_PREFIX))
    program = client.get_item(TableName=table, Key={k: {"S": v} for k, v in keys.program().items()}).get("Item")
    return profile, lot, program


def _member_items(profile: dict[str, Any], lot: dict[str, Any], member_id: str, day: str) -> list[dict[str, Any]]:
    """A clone of the real member whose points all expire on ``day``, waiting on that day in the expiry
    index (GSI5), in its own shard of every member index."""
    from loyalty.store import keys, lots, member_record

    partition = {"S": keys.member_partition(member_id)}
    new_profile = copy.deepcopy(profile)
    new_profile.update(PK=partition, member_id={"S": member_id}, email={"S": f"{member_id}@example.com"})
    code = f"R{member_id.upper()}"
    if member_record.COLD in new_profile:  # the referral code rides in the packed cold fields
        fields = member_record.cold_fields({member_record.COLD: new_profile[member_record.COLD]["S"]})
        new_profile[member_record.COLD] = {"S": member_record.cold({**fields, "referral_code": code})}
    elif "referral_code" in new_profile:
        new_profile["referral_code"] = {"S": code}
    for name, value in profile.items():
        text = value.get("S", "")
        if re.fullmatch(r"GSI\d+PK", name) and text.startswith("DUE#"):
            new_profile[name] = {"S": f"{text.rsplit('#', 1)[0]}#{keys.shard_of(member_id):02d}"}
    new_profile["GSI5SK"] = {"S": day}
    points = next(value for name, value in lot.items() if re.fullmatch(r"d\d\d", name))
    new_profile["available"] = points
    new_lot = {"PK": partition, "SK": {"S": keys.lot(member_id, lots.month_of(day))["SK"]}, lots.attribute(day): points}
    return [new_profile, new_lot]


def seed(table: str, members: int, profile: dict[str, Any], lot: dict[str, Any], program: dict[str, Any] | None) -> int:
    """``members`` members, ``DUE`` of them (spread evenly) with a lot expiring on DUE_DAY."""
    every = max(members // DUE, 1)

    def day_of(index: int) -> str:
        if index % every == 0 and index // every < DUE:
            return DUE_DAY.isoformat()
        return (DUE_DAY + timedelta(days=1 + index % 364)).isoformat()

    seeding.put_all(table, members, lambda index: _member_items(profile, lot, f"bench-{index:06d}", day_of(index)))
    if program is not None:
        seeding.client().put_item(TableName=table, Item=program)
    return sum(1 for index in range(members) if day_of(index) == DUE_DAY.isoformat())


def queue_worker(stack: Stack) -> str | None:
    """The function that works the jobs queue (what a scheduled run could not finish), if any."""
    queue = os.environ.get("JOBS_QUEUE_URL")
    workers = [source.function for source in stack.template.sqs_sources() if stack.physical.get(source.queue) == queue]
    return workers[0] if workers else None


def expiry_function(stack: Stack) -> tuple[str, str | None] | None:
    """The expiry job's function in the template and the function that works its jobs queue, if any."""
    names = [name for name in stack.template.functions() if "expir" in name.lower()]
    if not names:
        return None
    return names[0], queue_worker(stack)


@cache
def _sqs(endpoint: str | None) -> Any:
    """One SQS client per endpoint (the history bench works the queue after each of ~1,500 job runs)."""
    return boto3.client("sqs")


@cache
def _queue_arn(queue: str) -> str:
    answer = _sqs(os.environ.get("AWS_ENDPOINT_URL")).get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])
    return str(answer["Attributes"]["QueueArn"])


def work_queue(stack: Stack, worker: str | None) -> int:
    """Hand every message on the jobs queue to ``worker``, as Lambda's SQS poller would; returns how many."""
    from local import runtime
    from local.poller import sqs_record

    queue = os.environ.get("JOBS_QUEUE_URL")
    if worker is None or not queue:
        return 0
    sqs = _sqs(os.environ.get("AWS_ENDPOINT_URL"))
    arn = _queue_arn(queue)
    handled = 0
    while messages := sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", []):
        runtime.invoke(stack.template, worker, {"Records": [sqs_record(message, arn) for message in messages]})
        handled += len(messages)
        for message in messages:
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
    return handled


def run_expiry(stack: Stack, function: str, worker: str | None) -> dict[str, int]:
    """The scheduled invocation that expires DUE_DAY's points (it fires just after local midnight of the
    next day, in the program's timezone, and the clock says so), then the worker on every shard it handed
    to the jobs queue."""
    from local import runtime
    from loyalty.adapters import clock
    from loyalty.services import program

    zone = program.current().zone
    scheduled = datetime.combine(DUE_DAY + timedelta(days=1), time(0, 5), tzinfo=zone)
    clock.set_clock(lambda: scheduled)
    try:
        answer = runtime.invoke(stack.template, function, {"scheduled_time": scheduled.isoformat()})
        counts: Counter[str] = Counter(answer if isinstance(answer, dict) else {})
        if handled := work_queue(stack, worker):
            counts["worker_messages"] += handled
    finally:
        clock.set_clock(None)
    return dict(counts)


def _measure(stack: Stack, table: str, job: tuple[str, str | None]) -> tuple[Capacity, dict[str, int]]:
    from loyalty import settings
    from loyalty.services import program

    saved = os.environ["TABLE_NAME"]
    os.environ["TABLE_NAME"] = table
    settings.reset()
    program.forget()  # each run reads the program once, as a scheduled invocation does
    counts: dict[str, int] = {}
    try:
        with quiet_stdout(), Capacity() as counted:
            counts = run_expiry(stack, *job)
    finally:
        os.environ["TABLE_NAME"] = saved
        settings.reset()
    return counted, counts


def run(
    stack: Stack,
    template_member: str,
    keep: int | None = None,
    templates: tuple[Any, Any, Any] | None = None,
    sizes: tuple[int, ...] = SIZES,
    fresh: bool = True,
) -> dict[str, Any]:
    """The expiry job at each size, each in a table of its own, in the DynamoDB Local the caller points
    boto3 at (bench.stack.large_tables: no table is dropped, the JVM is); the table of size ``keep`` is
    named in ``kept_table`` for the reports bench to reuse: seeding 50,000 members is the bench's longest
    wait. ``templates``: the template member's items, read before (from the stack's table). With
    ``fresh``, each size gets a DynamoDB Local of its own (bench.stack.large_tables), else the caller's."""
    profile, lot, program = templates or _templates(stack, template_member)
    job = expiry_function(stack)
    if job is None:
        raise RuntimeError("the template has no expiry job function")
    method = (
        f"the expiry job: {job[0]} invoked with the scheduled event of the run after {DUE_DAY} "
        f"(and {job[1] or 'no worker'} on any shard it queued)"
    )
    results: dict[str, Any] = {"method": method, "job_found": True, "sizes": []}
    for members in sizes:
        with large_tables() if fresh else nullcontext():
            results["sizes"].append(_size(stack, members, profile, lot, program, job))
            table = results["sizes"][-1].pop("table")
            if members == keep:
                results["kept_table"] = table
    return results


def _size(
    stack: Stack,
    members: int,
    profile: dict[str, Any],
    lot: dict[str, Any],
    program: dict[str, Any] | None,
    job: tuple[str, str | None],
) -> dict[str, Any]:
    """One size: a table seeded, the expiry job run and counted (the table's name under ``table``)."""
    table = stack.new_table("bench-jobs")
    progress(f"jobs: seeding {members:,} members ({DUE} with points due on {DUE_DAY}), running expiry")
    due = seed(table, members, profile, lot, program)
    counted, counts = _measure(stack, table, job)
    table_items = counted.items_read - counted.index_items_read
    # What the job changes for each member due: its profile and the lot that holds the day; and the
    # program, read once per run.
    settles = 2 * due + 1
    return {
        "members": members,
        "due": due,
        "items_read": counted.items_read,
        "index_items_read": counted.index_items_read,
        "table_items_read": table_items,
        "settled_items": settles,
        "ratio": round(counted.items_read / due, 3) if due else None,
        "index_ratio": round(counted.index_items_read / due, 3) if due else None,
        "table_ratio": round(table_items / settles, 3) if due else None,
        "round_trips": counted.round_trips,
        "calls": dict(Counter(counted.operations)),
        "rcu": counted.read_units,
        "rcu_per_due": round(counted.read_units / due, 3) if due else None,
        "wcu": counted.write_units,
        "job_counts": counts,
        "table": table,
    }
