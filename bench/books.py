"""The table's stream and the books it may keep: what the bench waits for before it reads accounting.

Whoever writes the accounting day items (ACCT#<shard> / DAY#<day>: a member's own transaction, or the
stream consumer that keeps the books from the table's stream), the bench reads them only once they
count what it wrote: ``wait_for_orders`` polls their ``orders`` counter with a timeout. ``Pump`` runs the
template's stream event sources on a table as local.stack runs them (local.streams), either drained on
demand in the caller's thread (so a measured request never shares the DynamoDB client with the consumer)
or polled in the background (the load test), and counts what the consumer did: invocations, records,
its duration, the events it published.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bench import seeding
from bench.stack import Stack, quiet_stdout

BOOKS_TIMEOUT_S = 180.0
BOOKS_POLL_S = 0.05


def books_orders(table: str, first_day: str, last_day: str) -> int:
    """The ``orders`` counted by every accounting day item from ``first_day`` to ``last_day``."""
    from loyalty.store import keys

    dynamodb = seeding.client()
    total = 0
    bounds = {":a": {"S": keys.ACCOUNTING_DAY_PREFIX + first_day}, ":b": {"S": keys.ACCOUNTING_DAY_PREFIX + last_day}}
    for shard in range(keys.DUE_SHARDS):
        request: dict[str, Any] = {
            "TableName": table,
            "KeyConditionExpression": "PK = :pk AND SK BETWEEN :a AND :b",
            "ExpressionAttributeValues": {":pk": {"S": keys.accounting_partition(shard)}, **bounds},
            "ConsistentRead": True,
        }
        while True:
            answer = dynamodb.query(**request)
            total += sum(int(item.get("orders", {}).get("N", "0")) for item in answer.get("Items", []))
            if "LastEvaluatedKey" not in answer:
                break
            request["ExclusiveStartKey"] = answer["LastEvaluatedKey"]
    return total


def around_today() -> tuple[str, str]:
    """Yesterday to tomorrow in UTC: whatever the program's timezone, today's booking day is inside."""
    today = datetime.now(UTC).date()
    return (today - timedelta(days=1)).isoformat(), (today + timedelta(days=1)).isoformat()


def wait_for_orders(
    table: str, days: tuple[str, str], expected: int, since: float, pump: Pump | None = None
) -> float | None:
    """Milliseconds from ``since`` (time.monotonic) until the books of ``days`` count ``expected``
    orders (0.0: the first read did); None if they still do not after BOOKS_TIMEOUT_S. With ``pump``,
    its stream is drained between reads (no background poller runs it)."""
    deadline = time.monotonic() + BOOKS_TIMEOUT_S
    first_read = True
    while True:
        counted = books_orders(table, *days)
        now = time.monotonic()
        if counted >= expected:
            return 0.0 if first_read else round((now - since) * 1000, 1)
        if now > deadline:
            return None
        first_read = False
        if pump is None or not pump.drain():
            time.sleep(BOOKS_POLL_S)


@dataclass
class StreamTally:
    invocations: int = 0
    records: int = 0
    durations_ms: list[float] = field(default_factory=list)
    events: int = 0
    last_at: float = 0.0


class Pump:
    """The template's stream event sources on ``table`` (the stack's table unless named), their consumer
    run in this process through local.runtime, counted."""

    def __init__(self, stack: Stack, table: str | None = None) -> None:
        from local import runtime, streams

        physical = dict(stack.physical)
        if table is not None:
            physical["LoyaltyTable"] = table
        self.stop = threading.Event()
        self.tally = StreamTally()
        self._lock = threading.Lock()
        self._started = False

        def consume(function: str, event: dict[str, Any]) -> Any:
            started = time.perf_counter()
            try:
                with quiet_stdout() if not self._started else _nothing():
                    return runtime.invoke(stack.template, function, event)
            finally:
                with self._lock:
                    self.tally.invocations += 1
                    self.tally.records += len(event.get("Records", []))
                    self.tally.durations_ms.append((time.perf_counter() - started) * 1000)
                    self.tally.last_at = time.monotonic()

        self.sources = streams.stream_sources(stack.template)
        self.pollers = streams.pollers(stack.template, physical, self.stop, consumer=consume)

    @contextmanager
    def counting_events(self) -> Iterator[None]:
        """Count the events the consumer publishes (the layer's bus adapter, wrapped as bench/events.py does)."""
        from loyalty.adapters import event_bus

        original = event_bus.put

        def counting(entries: Any) -> Any:
            with self._lock:
                self.tally.events += len(entries)
            return original(entries)

        event_bus.put = counting
        try:
            yield
        finally:
            event_bus.put = original

    def skip(self) -> None:
        """Start every shard at its end: what was written so far (a seeded table) is not the consumer's."""
        for poller in self.pollers:
            for shard in poller._shards():
                poller.iterators[shard] = poller._iterator(shard, "LATEST")

    def drain(self) -> int:
        """Hand the consumer everything written so far, in this thread; the records handed over."""
        return sum(poller.drain() for poller in self.pollers)

    def start(self) -> None:
        """Poll in the background from now on, as Lambda's event source does (until ``close``)."""
        self._started = True
        for poller in self.pollers:
            poller.start()

    def quiet(self, seconds: float = 2.0, timeout: float = 300.0) -> None:
        """Wait until the background consumer has had nothing for ``seconds``."""
        since = time.monotonic()
        deadline = since + timeout
        while time.monotonic() < deadline:
            with self._lock:
                idle = time.monotonic() - max(self.tally.last_at, since)
            if idle >= seconds:
                return
            time.sleep(0.2)

    def take(self) -> StreamTally:
        with self._lock:
            tally, self.tally = self.tally, StreamTally()
        return tally

    def close(self) -> None:
        self.stop.set()
        for poller in self.pollers:
            if poller.is_alive():
                poller.join(timeout=5)


@contextmanager
def _nothing() -> Iterator[None]:
    yield


def main_pump(stack: Stack) -> Pump:
    """The stack's own table's pump, made once (local_stack closes it)."""
    if stack.pump is None:
        stack.pump = Pump(stack)
    pump: Pump = stack.pump
    return pump
