"""Lambda execution environments for the load test: one process each, as Lambda runs one concurrent
request per environment.

The local runtime (local.runtime) serves one event at a time per function in its process, because a
handler keeps the current event on module state (Powertools' resolver); Lambda runs many environments
side by side, one per concurrent request. So the load test gives the local gateway an invoker backed by a
pool of processes: each request takes a free environment, the environment runs the function through
local.runtime, and answers with the result and what it saw at its DynamoDB client's edge (a botocore
hook on the default session, so every client the layer creates carries it, whatever the design names
it): transactions sent, those DynamoDB cancelled for a ``TransactionConflict`` (DynamoDB Local reports
it as a ``TransactionCanceledException`` reason), and the transactions sent again after a cancelled one
(the write loop's retries). Any environment serves any function (Lambda would keep one pool per
function): the figures per request do not depend on it.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue
import threading
import time
import traceback
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

CONFLICT_CODES = frozenset({"TransactionConflict", "TransactionConflictException"})
RESET = "reset"  # a message asking an environment to forget its caches (program, keys), as a new one would
TRANSACT = "after-call.dynamodb.TransactWriteItems"
TRANSACT_PARAMS = "before-parameter-build.dynamodb.TransactWriteItems"
WRITES = ("Put", "Update", "Delete")  # a ConditionCheck reads its item: it writes nothing


def conflicted(parsed: Mapping[str, Any]) -> bool:
    """Whether a TransactWriteItems answer is a cancellation for a conflict with another transaction
    (AWS and DynamoDB Local: a TransactionCanceledException whose reasons hold TransactionConflict; or a
    TransactionConflictException, which AWS sends when a non-transactional write hits an item in a
    transaction)."""
    code = (parsed.get("Error") or {}).get("Code")
    if code in CONFLICT_CODES:
        return True
    reasons = parsed.get("CancellationReasons") or []
    return code == "TransactionCanceledException" and any(reason.get("Code") in CONFLICT_CODES for reason in reasons)


def written_keys(transact_items: list[Mapping[str, Any]]) -> list[str]:
    """The keys (table, then each key attribute's value) of the items a TransactWriteItems writes."""
    found = []
    for element in transact_items:
        for kind in WRITES:
            if kind in element:
                request = element[kind]
                key = request.get("Key") or {}
                if not key and kind == "Put":  # a Put names its key inside the item
                    item = request.get("Item", {})
                    key = {name: item[name] for name in ("PK", "SK") if name in item}
                values = "|".join(str(next(iter(key[name].values()))) for name in sorted(key))
                found.append(f"{request.get('TableName', '')}|{values}")
    return found


@dataclass
class EdgeCounts:
    """What one invocation's TransactWriteItems calls came to, and the items each written one wrote."""

    transactions: int = 0
    conflicts: int = 0
    retries: int = 0  # transactions sent after one of the same invocation failed
    written: list[list[str]] = field(default_factory=list)
    _failed: bool = False
    _pending: list[str] = field(default_factory=list)

    def sending(self, params: Mapping[str, Any]) -> None:
        self._pending = written_keys(list(params.get("TransactItems", [])))

    def record(self, parsed: Mapping[str, Any]) -> None:
        if self._failed:
            self.retries += 1
        self.transactions += 1
        self.conflicts += conflicted(parsed)
        self._failed = bool(parsed.get("Error"))
        if not self._failed:
            self.written.append(self._pending)

    def as_dict(self) -> dict[str, Any]:
        return {
            "transactions": self.transactions,
            "conflicts": self.conflicts,
            "retries": self.retries,
            "written": self.written,
        }


def _serve(connection: Connection, environ: dict[str, str]) -> None:
    """An environment's loop: (function, event) in, (result, error, edge counts, duration ms) out."""
    os.environ.clear()
    os.environ.update(environ)
    import boto3

    from bench.stack import quiet_stdout, reset_process_state, template

    loaded = template()
    from local import runtime

    counts = EdgeCounts()

    def on_transaction(parsed: Mapping[str, Any], **_: Any) -> None:
        counts.record(parsed)

    def on_params(params: Mapping[str, Any], **_: Any) -> None:
        counts.sending(params)

    boto3.setup_default_session()
    assert boto3.DEFAULT_SESSION is not None
    boto3.DEFAULT_SESSION.events.register(TRANSACT, on_transaction)
    boto3.DEFAULT_SESSION.events.register(TRANSACT_PARAMS, on_params)
    with quiet_stdout():  # the handlers' log lines and metrics are CloudWatch's business
        while True:
            try:
                message = connection.recv()
            except EOFError:
                return
            if message is None:
                return
            if message == RESET:
                reset_process_state()
                connection.send(None)
                continue
            logical_id, event = message
            counts = EdgeCounts()
            started = time.perf_counter()
            result: Any = None
            error = None
            try:
                result = runtime.invoke(loaded, logical_id, event)
            except Exception:
                error = traceback.format_exc()
            connection.send((result, error, counts.as_dict(), (time.perf_counter() - started) * 1000))


@dataclass
class Environment:
    process: Any
    connection: Connection


@dataclass
class Tally:
    """Invocations per function, their durations, and the edge counts summed."""

    invocations: Counter[str] = field(default_factory=Counter)
    durations_ms: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    edge: Counter[str] = field(default_factory=Counter)
    written: list[list[str]] = field(default_factory=list)  # each written transaction's item keys
    errors: list[str] = field(default_factory=list)


class Environments:
    """A pool of ``count`` environments behind one invoker (``invoke``), for local.gateway.Gateway."""

    def __init__(self, count: int) -> None:
        context = multiprocessing.get_context("spawn")  # a clean interpreter each, as Lambda starts one
        self._all: list[Environment] = []
        self._free: queue.Queue[Environment] = queue.Queue()
        self._lock = threading.Lock()
        self.tally = Tally()
        for _ in range(count):
            ours, theirs = context.Pipe()
            process = context.Process(target=_serve, args=(theirs, dict(os.environ)), daemon=True)
            process.start()
            theirs.close()
            environment = Environment(process, ours)
            self._all.append(environment)
            self._free.put(environment)

    def invoke(self, logical_id: str, event: dict[str, Any]) -> Any:
        environment = self._free.get()
        try:
            environment.connection.send((logical_id, event))
            result, error, edge, duration_ms = environment.connection.recv()
        finally:
            self._free.put(environment)
        with self._lock:
            self.tally.invocations[logical_id] += 1
            self.tally.durations_ms[logical_id].append(duration_ms)
            self.tally.written += edge.pop("written")
            self.tally.edge.update(edge)
            if error:
                self.tally.errors.append(error)
        if error:
            raise RuntimeError(f"{logical_id} failed:\n{error}")
        return result

    def take_tally(self) -> Tally:
        with self._lock:
            tally, self.tally = self.tally, Tally()
        return tally

    def reset(self) -> None:
        """Every environment forgets its caches (after the program changed: it is cached 30 s)."""
        taken = [self._free.get() for _ in self._all]
        try:
            for environment in taken:
                environment.connection.send(RESET)
            for environment in taken:
                environment.connection.recv()
        finally:
            for environment in taken:
                self._free.put(environment)

    def close(self) -> None:
        for environment in self._all:
            with contextlib.suppress(OSError):
                environment.connection.send(None)
        for environment in self._all:
            environment.process.join(timeout=5)
            if environment.process.is_alive():
                environment.process.kill()
