"""The load test: 1,000 members, 16 concurrent clients, 5,000 accruals through the local gateway over HTTP
on DynamoDB Local, once without and once with a budgeted campaign.

- Members: one enrolled through the API, cloned 1,000 times by parallel BatchWriteItem (bench.seeding).
- Gateway: local.gateway's HTTP server (route matching, any authorizer the template declares, payload
  2.0 events), its invoker backed by Lambda-like execution environments (bench.environments: one process
  per concurrent request, 16 of them). The Lambda invocations it made per request are counted there.
- Clients: 16 threads in a process of their own (so their work does not share the gateway's
  interpreter), each with a keep-alive connection, POSTing /v1/orders with the storefront key, order i for
  member i mod 1,000 (16 orders in flight never share a member: what collides is what members share).
  Latency is the client's, from sending the request to reading the whole answer.
- Conflicts and retries: at each environment's DynamoDB client edge (bench.environments).
- Stream: the template's stream event sources, polled as local.stack polls them (local.streams), their
  consumer invoked in this process and metered (bench.aws_meter: AWS-rule units of what it writes;
  invocations, records per invocation, duration; events it publishes).
- Books lag: after the last accrual answered, the time until the accounting day items (ACCT#<shard>,
  DAY#<day>) count every accrual in their ``orders`` (read every 50 ms, consistent; 0 when the first read
  counts them all already).
- Campaign: a budgeted bonus on every order, set through PUT /v1/admin/program as a shop would; its
  budget outlasts the run, so every order takes its share of it.
"""

from __future__ import annotations

import http.client
import io
import json
import math
import statistics
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from multiprocessing import get_context
from typing import Any
from urllib.parse import urlsplit

from bench import seeding
from bench.books import Pump, StreamTally, around_today, books_orders, main_pump, wait_for_orders
from bench.environments import Environments, Tally
from bench.scenario import BenchError, Storefront, order_body
from bench.stack import Stack, progress, quiet_stdout
from harness.programs import program_document

MEMBERS = 1_000
CLIENTS = 16
ACCRUALS = 5_000
WARM_UP = 4 * CLIENTS  # unmeasured accruals first: every environment warm (imports, caches, connections)
TEMPLATE_MEMBER = "loadtemplatemember"  # cloned: an id no other value of its items contains
CAMPAIGN_ID = "bench-black-friday"
CAMPAIGN_BONUS = 10
CAMPAIGN_BUDGET = 100_000_000  # outlasts the run: every order takes a share


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (share in 0..1) of ``values``."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    rank = max(1, min(len(ordered), math.ceil(share * len(ordered))))
    return ordered[rank - 1]


def shared_items(written: list[list[str]], seconds: float, own_writes: int) -> dict[str, Any]:
    """How much the run's transactions shared items. An item written by more than ``own_writes``
    transactions (what one member's or one order's own items get in the run) is shared: on AWS two
    transactions on one item at once cancel one of them (TransactionConflict), where DynamoDB Local
    runs transactions one at a time and never reports it; so the hottest item's writes per second is the
    figure a conflict rate follows."""
    counts = Counter(key for keys in written for key in keys)
    shared = {key for key, count in counts.items() if count > own_writes}
    hottest = counts.most_common(1)
    per_transaction = [sum(key in shared for key in keys) for keys in written]
    return {
        "shared_items_per_transaction": round(sum(per_transaction) / len(written), 3) if written else 0.0,
        "shared_items": len(shared),
        "hottest_item_writes": hottest[0][1] if hottest else 0,
        "hottest_item_writes_per_s": round(hottest[0][1] / seconds, 1) if hottest and seconds else 0.0,
        "hottest_item": hottest[0][0].split("|", 1)[-1] if hottest else None,
    }


def member_id(index: int) -> str:
    return f"load-{index:05d}"


# --- the clients (a process of their own) ----------------------------------------------------------


def drive(url: str, key: str, bodies: list[bytes], clients: int) -> dict[str, Any]:
    """POST each body to /v1/orders from ``clients`` threads; latencies (ms), statuses, and the moment
    (time.monotonic, system-wide) the first request left and the last answer arrived."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    lock = threading.Lock()
    cursor = iter(range(len(bodies)))

    def client() -> None:
        connection = http.client.HTTPConnection(host, port, timeout=120)
        mine: list[float] = []
        seen: Counter[int] = Counter()
        while True:
            with lock:
                index = next(cursor, None)
            if index is None:
                break
            started = time.perf_counter()
            connection.request("POST", "/v1/orders", body=bodies[index], headers=headers)
            answer = connection.getresponse()
            answer.read()
            mine.append((time.perf_counter() - started) * 1000)
            seen[answer.status] += 1
        connection.close()
        with lock:
            latencies.extend(mine)
            statuses.update(seen)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    first = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"latencies_ms": latencies, "statuses": dict(statuses), "first": first, "last": time.monotonic()}


# --- the runs ----------------------------------------------------------------------------------------


class _QuietGateway(io.TextIOBase):
    """stderr without the gateway's line per request (10,000 of them would bury the bench's progress)."""

    def __init__(self, real: Any) -> None:
        self.real = real

    def write(self, text: str) -> int:
        if "process_request_thread" in threading.current_thread().name:
            return len(text)
        return int(self.real.write(text))

    def flush(self) -> None:
        self.real.flush()


@contextmanager
def quiet_gateway() -> Iterator[None]:
    saved = sys.stderr
    sys.stderr = _QuietGateway(saved)
    try:
        yield
    finally:
        sys.stderr = saved


def seed(stack: Stack, shop: Storefront) -> float:
    """MEMBERS clones of a member enrolled through the API; the seconds it took."""
    from loyalty.store import keys

    started = time.monotonic()
    table = stack.physical["LoyaltyTable"]
    with quiet_stdout():
        shop.enroll(TEMPLATE_MEMBER)
    items = seeding.partition(table, keys.member_partition(TEMPLATE_MEMBER))

    def build(index: int) -> list[seeding.Item]:
        return [seeding.clone(item, TEMPLATE_MEMBER, member_id(index), keys.shard_of) for item in items]

    seeding.put_all(table, MEMBERS, build)
    return time.monotonic() - started


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def campaign_program() -> dict[str, Any]:
    """The bench's program with a budgeted bonus on every order, running now."""
    now = datetime.now(UTC)
    campaign = {
        "campaign_id": CAMPAIGN_ID,
        "bonus_points": CAMPAIGN_BONUS,
        "budget_points": CAMPAIGN_BUDGET,
        "starts_at": rfc3339(now - timedelta(hours=1)),
        "ends_at": rfc3339(now + timedelta(days=1)),
    }
    return program_document(campaigns=[campaign])


def call(url: str, key: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    """One request to the gateway over HTTP: its status and its JSON body."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=60)
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    data = json.dumps(body).encode() if body is not None else None
    connection.request(method, path, body=data, headers=headers)
    answer = connection.getresponse()
    raw = answer.read()
    connection.close()
    return answer.status, json.loads(raw) if raw else None


def put_program(url: str, admin_key: str, document: dict[str, Any]) -> None:
    status, body = call(url, admin_key, "PUT", "/v1/admin/program", document)
    if status != 200:
        raise BenchError(f"PUT /v1/admin/program answered {status}: {body}")


def campaign_given(url: str, admin_key: str) -> int | None:
    """The points the campaign's budget has given, as the admin API shows them (None if it does not)."""
    status, body = call(url, admin_key, "GET", f"/v1/admin/campaigns/{CAMPAIGN_ID}")
    remaining = body.get("remaining_points") if status == 200 and isinstance(body, dict) else None
    return CAMPAIGN_BUDGET - int(remaining) if remaining is not None else None


def per_run(
    driven: dict[str, Any], tally: Tally, streamed: StreamTally, metered: dict[str, Any], lag: float | None
) -> dict[str, Any]:
    """One run's figures: what the issue asks first, then the detail behind them."""
    latencies = driven["latencies_ms"]
    statuses = {int(code): count for code, count in driven["statuses"].items()}
    accepted = statuses.get(201, 0)
    requests = sum(statuses.values())
    seconds = driven["last"] - driven["first"]
    invocations = sum(tally.invocations.values())
    per_accrual = max(accepted, 1)
    return {
        "accruals_per_s": round(accepted / seconds, 1) if seconds else 0.0,
        "p50_ms": round(percentile(latencies, 0.50), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "conflicts": tally.edge["conflicts"],
        "retries": tally.edge["retries"],
        "books_lag_ms": lag,
        "accruals": accepted,
        "statuses": statuses,
        "seconds": round(seconds, 1),
        "transactions": tally.edge["transactions"],
        "lambdas_per_request": round(invocations / requests, 3) if requests else None,
        "invocations": dict(sorted(tally.invocations.items())),
        "function_ms_median": {
            name: round(statistics.median(values), 2) for name, values in sorted(tally.durations_ms.items())
        },
        "errors": len(tally.errors),
        "items": shared_items(tally.written, seconds, -(-ACCRUALS // MEMBERS)),
        "stream": {
            "invocations": streamed.invocations,
            "records": streamed.records,
            "median_ms": round(statistics.median(streamed.durations_ms), 2) if streamed.durations_ms else 0.0,
            "events": streamed.events,
            "per_accrual": {
                "invocations": round(streamed.invocations / per_accrual, 4),
                "records": round(streamed.records / per_accrual, 4),
                "events": round(streamed.events / per_accrual, 4),
                "wcu": round(metered["aws"]["wcu"] / per_accrual, 4),
                "rcu": round(metered["aws"]["rcu"] / per_accrual, 4),
            },
            "aws": metered["aws"],
            "round_trips": metered["round_trips"],
        },
    }


@dataclass
class Rig:
    stack: Stack
    url: str
    key: str
    environments: Environments
    stream: Pump
    clients: ProcessPoolExecutor

    def bodies(self, label: str, count: int) -> list[bytes]:
        return [
            json.dumps(order_body(f"load-{label}-{index:05d}", member_id(index % MEMBERS))).encode()
            for index in range(count)
        ]

    def once(self, label: str) -> dict[str, Any]:
        from bench.aws_meter import AwsMeter, schema_of

        table = self.stack.physical["LoyaltyTable"]
        self.clients.submit(drive, self.url, self.key, self.bodies(f"{label}-warm", WARM_UP), CLIENTS).result()
        self.stream.quiet()
        self.environments.take_tally()
        self.stream.take()
        days = around_today()
        before = books_orders(table, *days)
        progress(f"load: {label}: {ACCRUALS:,} accruals from {CLIENTS} clients")
        bodies = self.bodies(label, ACCRUALS)
        with AwsMeter(schema_of(self.stack.template)) as meter:
            driven = self.clients.submit(drive, self.url, self.key, bodies, CLIENTS).result()
            accepted = int(driven["statuses"].get(201, 0))
            lag = wait_for_orders(table, days, before + accepted, driven["last"])
            self.stream.quiet()
        summary = meter.summary()
        summary.pop("requests", None)
        figures = per_run(driven, self.environments.take_tally(), self.stream.take(), summary, lag)
        progress(
            f"load: {label}: {figures['accruals_per_s']} accruals/s, p50/p95/p99 {figures['p50_ms']}/"
            f"{figures['p95_ms']}/{figures['p99_ms']} ms, {figures['conflicts']} conflicts, "
            f"{figures['retries']} retries, books lag {figures['books_lag_ms']} ms"
        )
        if figures["accruals"] != ACCRUALS:
            raise BenchError(f"load {label}: {figures['statuses']} ({figures['errors']} function errors)")
        return figures


def run(stack: Stack, shop: Storefront) -> dict[str, Any]:
    from local import gateway
    from local.backend import free_port

    stream = main_pump(stack)
    with quiet_stdout():
        stream.drain()  # what the bench wrote before, taken in before the clock starts
    seconds = seed(stack, shop)
    stream.skip()  # the seeded members are history, not this run's traffic
    progress(f"load: {MEMBERS:,} members seeded in {seconds:.1f} s; starting {CLIENTS} environments")
    environments = Environments(CLIENTS)
    server, _ = gateway.serve(stack.template, free_port(), invoke=environments.invoke)
    url = f"http://127.0.0.1:{server.server_port}"
    clients = ProcessPoolExecutor(1, mp_context=get_context("spawn"))
    rig = Rig(stack, url, shop.api.key or "", environments, stream, clients)
    try:
        with quiet_gateway(), quiet_stdout(), stream.counting_events():
            stream.start()
            without = rig.once("without_campaign")
            put_program(url, stack.admin_key, campaign_program())
            environments.reset()  # what 30 s would do: the program is cached that long in a warm function
            with_campaign = rig.once("with_campaign")
            # Every order of the run and of its warm-up took its bonus from the budget, exactly.
            with_campaign["campaign_points_given"] = campaign_given(url, stack.admin_key)
            with_campaign["campaign_points_expected"] = (WARM_UP + ACCRUALS) * CAMPAIGN_BONUS
            put_program(url, stack.admin_key, program_document())
            environments.reset()
    finally:
        server.shutdown()
        server.server_close()
        environments.close()
        clients.shutdown()
    runs = {"without_campaign": without, "with_campaign": with_campaign}
    requests = sum(sum(figures["statuses"].values()) for figures in runs.values())
    invocations = sum(sum(figures["invocations"].values()) for figures in runs.values())
    return {
        "method": (
            f"{MEMBERS:,} members (one enrolled through the API, cloned by BatchWriteItem), {CLIENTS} client "
            f"threads in a process of their own, {ACCRUALS:,} POST /v1/orders each run through the local "
            f"gateway over HTTP (local.gateway) with the storefront key, {CLIENTS} Lambda-like environments "
            "(a process each), DynamoDB Local; conflicts and retries counted at each environment's DynamoDB "
            "client; the stream consumer driven by local.streams and metered by AWS's rules (two consistent "
            "reads per write of its own, so the books lag is an upper bound); the campaign a budgeted bonus "
            f"of {CAMPAIGN_BONUS} points on every order, set with PUT /v1/admin/program"
        ),
        "members": MEMBERS,
        "clients": CLIENTS,
        "accruals": ACCRUALS,
        "seed_seconds": round(seconds, 1),
        "lambdas_per_request": round(invocations / requests, 3) if requests else None,
        **runs,
    }


def main(arguments: list[str]) -> int:
    """``python -m bench load [accruals]``: the load test alone on a fresh local stack, as JSON."""
    global ACCRUALS
    from bench.stack import local_stack, template

    if arguments:
        ACCRUALS = int(arguments[0])
    loaded = template()
    with local_stack(loaded) as stack:
        shop = Storefront.open(stack)
        measured = run(stack, shop)
    print(json.dumps(measured, indent=2))
    return 0
