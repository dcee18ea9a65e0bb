"""Events out: how fast the local path publishes, and what it adds to a million accruals.

The path: member profile writes carrying their outbox (written directly, in the shape the ledger's
writes carry it) -> the table stream -> EventPublisherFunction (in-process, batches as the template's
event source mapping sets them) -> EventBridge, all on moto in this process. Throughput counts events
on the bus per second of draining. The cost lines use the publisher's measured duration per batch.
"""

from __future__ import annotations

import math
import os
import statistics
import threading
import time
from typing import Any

import boto3
from moto import mock_aws

from local import resources, runtime, streams
from local.intrinsics import REGION
from local.template import Template

MEMBERS = 200
WRITES_PER_MEMBER = 3  # enroll, earn (+ tier change), refund: 4 events
# Published prices (us-east-1, checked 2026-11), as in bench/cost.py.
EVENTBRIDGE_PER_MILLION = 1.00  # custom events, per 64 KB chunk
FREE_STREAM_READS = 0.0  # GetRecords calls made by Lambda's stream event source are not billed
LAMBDA_REQUEST_PER_MILLION = 0.20
LAMBDA_ARM_GB_SECOND = 0.0000133334


def _outbox(member: str, write: int) -> list[dict[str, Any]]:
    if write == 0:
        data = {
            "enrolled_at": "2026-11-22T10:00:00.000Z",
            "tier": "Bronze",
            "marketing_opt_in": False,
            "referred": False,
        }
        return [{"type": "member.enrolled", "data": data}]
    if write == 1:
        earned = {
            "order_id": f"o-{member}",
            "points": 1200,
            "status": "available",
            "available_at": "2026-11-22T10:01:00.000Z",
            "balance": {"available": 1200, "pending": 0},
        }
        tier = {"from": "Bronze", "to": "Silver", "direction": "up"}
        return [{"type": "points.earned", "data": earned}, {"type": "tier.changed", "data": tier}]
    refunded = {
        "order_id": f"o-{member}",
        "refund_id": f"r-{member}",
        "points": 100,
        "balance": {"available": 1100, "pending": 0},
    }
    return [{"type": "points.refunded", "data": refunded}]


def run(template: Template) -> dict[str, Any]:

    saved = dict(os.environ)
    # moto's own credentials, in the template's region: nothing here can reach an account.
    os.environ.update(AWS_DEFAULT_REGION=REGION, AWS_REGION=REGION)
    try:
        return _run(template)
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _run(template: Template) -> dict[str, Any]:
    from loyalty import settings
    from loyalty.adapters import event_bus
    from loyalty.store import client

    with mock_aws():
        physical = resources.create_resources(template, boto3.Session())
        os.environ.update(resources.function_environment(template, physical))
        settings.reset()
        client.reset()
        event_bus.reset()
        table = physical["LoyaltyTable"]
        ddb = boto3.client("dynamodb")
        for write in range(WRITES_PER_MEMBER):
            for number in range(MEMBERS):
                member = f"bench-{number:04d}"
                item = {
                    "PK": f"MEMBER#{member}",
                    "SK": "PROFILE",
                    "member_id": member,
                    "version": write + 1,
                    "outbox": _outbox(member, write),
                    "outbox_at": f"2026-11-22T10:0{write}:00.000Z",
                }
                ddb.put_item(TableName=table, Item=client.to_item(item))
        durations: list[float] = []
        batches: list[int] = []
        published = {"events": 0}

        def timed(function: str, event: dict[str, Any]) -> Any:
            started = time.perf_counter()
            answer = runtime.invoke(template, function, event)
            durations.append((time.perf_counter() - started) * 1000)
            batches.append(len(event["Records"]))
            return answer

        [poller] = streams.pollers(template, physical, threading.Event(), consumer=timed)
        original = event_bus.put

        def counting(entries: Any) -> None:
            published["events"] += len(entries)
            original(entries)

        event_bus.put = counting  # type: ignore[assignment]
        try:
            runtime.invoke(template, "EventPublisherFunction", {"Records": []})  # import the handler first
            durations.clear()
            batches.clear()
            started = time.perf_counter()
            poller.drain()
            seconds = time.perf_counter() - started
        finally:
            event_bus.put = original  # type: ignore[assignment]
    events = published["events"]
    records = sum(batches)
    per_record_ms = sum(durations) / records if records else 0.0
    memory_mb = template.functions()["EventPublisherFunction"].memory_size
    events_per_accrual = 1  # points.earned; tier.changed only on the accrual that crosses a threshold
    # Lambda bills each invocation: at a trickle one record per batch, under load up to BatchSize.
    busy_batch = max(batches) if batches else 1

    def bill(records_per_invocation: int) -> dict[str, float]:
        billed_ms = math.ceil(per_record_ms * records_per_invocation)
        return {
            "stream_reads": FREE_STREAM_READS,
            "publisher_requests": LAMBDA_REQUEST_PER_MILLION / records_per_invocation,
            "publisher_duration": memory_mb
            / 1024
            * billed_ms
            / 1000
            * LAMBDA_ARM_GB_SECOND
            * 1e6
            / records_per_invocation,
            "eventbridge_puts": EVENTBRIDGE_PER_MILLION * events_per_accrual,
        }

    trickle = bill(1)
    busy = bill(busy_batch)
    return {
        "events": events,
        "records": records,
        "batches": len(batches),
        "seconds": round(seconds, 3),
        "events_per_s": round(events / seconds, 1) if seconds else 0.0,
        "publisher_events_per_s": round(events / (sum(durations) / 1000), 1) if durations else 0.0,
        "publisher_ms": {
            "median_batch": round(statistics.median(durations), 2) if durations else 0.0,
            "per_record": round(per_record_ms, 3),
        },
        "cost_per_million_accruals_usd": {
            "one_record_per_invocation": {k: round(v, 4) for k, v in trickle.items()},
            f"{busy_batch}_records_per_invocation": {k: round(v, 4) for k, v in busy.items()},
            "total_one_record": round(sum(trickle.values()), 4),
            f"total_{busy_batch}_records": round(sum(busy.values()), 4),
        },
        "method": (
            f"{MEMBERS} members x {WRITES_PER_MEMBER} writes ({events} events) on moto in-process, the stream "
            "drained by local.streams into EventPublisherFunction; webhooks not subscribed"
        ),
    }
