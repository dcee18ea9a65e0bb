"""Accruals per second through the handler path, against raw TransactWriteItems on the same backend.

Handler path: the API Gateway emulation in-process, the authorizer, the orders handler, the layer
(one Query, one TransactWriteItems), DynamoDB Local. Baseline: the very TransactWriteItems an accrual
sends (order put, member update, lot update), captured from a real accrual and replayed with a new
order id and the member's next version, through the same client to the same DynamoDB Local.
Both run one request at a time, interleaved in rounds so a drift of the machine hits both alike.
"""

from __future__ import annotations

import copy
import statistics
import time
from collections import defaultdict
from typing import Any

from bench.scenario import BenchError, Storefront
from bench.stack import quiet_stdout

ROUNDS = 3
PER_ROUND = 100
MEMBERS = 10  # the handler path spreads its orders over a few members, as traffic does
FIRST_MEMBER = "throughput-0"  # enrolled and credited by the real services: jobs clone its items


class TimedInvoke:
    """Wraps the gateway's invoker to time each function invocation (what Lambda bills as duration)."""

    def __init__(self, shop: Storefront) -> None:
        gateway = shop.api.gateway
        self._inner = gateway.invoke
        gateway.invoke = self
        self.recording = False
        self.durations_ms: dict[str, list[float]] = defaultdict(list)

    def __call__(self, logical_id: str, event: dict[str, Any]) -> Any:
        started = time.perf_counter()
        try:
            return self._inner(logical_id, event)
        finally:
            if self.recording:
                self.durations_ms[logical_id].append((time.perf_counter() - started) * 1000)


def _capture_accrual(shop: Storefront, member_id: str) -> list[dict[str, Any]]:
    """The TransactItems of one real accrual, as the layer sent them."""
    from loyalty.store.client import dynamodb

    captured: list[list[dict[str, Any]]] = []

    def grab(model: Any, params: dict[str, Any], **_: Any) -> None:
        if model.name == "TransactWriteItems":
            captured.append(copy.deepcopy(params["TransactItems"]))

    events = dynamodb().meta.events
    events.register("before-parameter-build.dynamodb.TransactWriteItems", grab)
    try:
        with quiet_stdout():
            shop.accrue("throughput-raw-template", member_id)
    finally:
        events.unregister("before-parameter-build.dynamodb.TransactWriteItems", grab)
    if len(captured) != 1:
        raise BenchError(f"an accrual sent {len(captured)} TransactWriteItems, expected 1")
    return captured[0]


def _version_placeholders(update: dict[str, Any]) -> tuple[str, str] | None:
    """(placeholder of the new version, placeholder of the version read) in a member update: the
    version SET under some ``#name`` whose value is ``:name``, and the condition's ``:read``."""
    names = update.get("ExpressionAttributeNames", {})
    values = update.get("ExpressionAttributeValues", {})
    for placeholder, attribute in names.items():
        new = ":" + placeholder.removeprefix("#")
        if attribute == "version" and new in values:
            read = ":read" if ":read" in values else ":read_version"
            return (new, read) if read in values else None
    return None


class RawAccruals:
    """Replays a captured accrual transaction: a new order id each time, the member's next version."""

    def __init__(self, items: list[dict[str, Any]]) -> None:
        self.items = items
        self.order = next(item["Put"] for item in items if "Put" in item)
        self.member = next(
            item["Update"]
            for item in items
            if "Update" in item and item["Update"]["Key"].get("SK", {}).get("S") == "PROFILE"
        )
        self.placeholders = _version_placeholders(self.member)
        values = self.member["ExpressionAttributeValues"]
        self.version = int(values[self.placeholders[0]]["N"]) if self.placeholders else 0
        self.count = 0

    def write(self, client: Any) -> None:
        self.count += 1
        order_id = f"throughput-raw-{self.count}"
        self.order["Item"]["PK"] = {"S": f"ORDER#{order_id}"}
        if "order_id" in self.order["Item"]:
            self.order["Item"]["order_id"] = {"S": order_id}
        if self.placeholders:
            new, read = self.placeholders
            values = self.member["ExpressionAttributeValues"]
            values[read] = {"N": str(self.version)}
            values[new] = {"N": str(self.version + 1)}
            self.version += 1
        client.transact_write_items(TransactItems=self.items)


def run(shop: Storefront) -> dict[str, Any]:
    from loyalty.store.client import dynamodb

    timer = TimedInvoke(shop)
    members = [f"throughput-{index}" for index in range(MEMBERS)]
    with quiet_stdout():
        for member_id in [*members, "throughput-raw"]:
            shop.enroll(member_id)
        for member_id in members:
            shop.accrue(f"throughput-warmup-{member_id}", member_id)  # each member's lot exists, as in steady state
    raw = RawAccruals(_capture_accrual(shop, "throughput-raw"))
    client = dynamodb()
    handler_seconds = raw_seconds = 0.0
    sent = 0
    for round_number in range(ROUNDS):
        with quiet_stdout():
            timer.recording = True
            started = time.perf_counter()
            for index in range(PER_ROUND):
                member_id = members[(sent + index) % MEMBERS]
                shop.accrue(f"throughput-{round_number}-{index}", member_id)
            handler_seconds += time.perf_counter() - started
            timer.recording = False
        sent += PER_ROUND
        started = time.perf_counter()
        for _ in range(PER_ROUND):
            raw.write(client)
        raw_seconds += time.perf_counter() - started
    total = ROUNDS * PER_ROUND
    handler_rate = total / handler_seconds
    raw_rate = total / raw_seconds
    return {
        "accrue_per_s": round(handler_rate, 1),
        "baseline_per_s": round(raw_rate, 1),
        "ratio": round(handler_rate / raw_rate, 3),
        "requests": total,
        "invocation_ms": {
            logical_id: {
                "median": round(statistics.median(values), 2),
                "p90": round(statistics.quantiles(values, n=10)[-1], 2),
                "count": len(values),
            }
            for logical_id, values in sorted(timer.durations_ms.items())
        },
    }
