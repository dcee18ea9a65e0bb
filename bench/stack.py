"""The local stack the benchmarks run on: DynamoDB Local for the table (the real engine's capacity
accounting), moto's server for SQS and SES, the template's functions in this process.

It is the same sequence as ``make run BACKEND=dynamodb-local`` (local.stack), without the HTTP socket:
requests go through the API Gateway emulation in-process (harness.api.Api).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from local import resources, runtime
from local.backend import DynamoDBLocal, MotoServer, local_aws_env
from local.cloudformation import cloudformation, custom_resource_functions
from local.events import at_its_time
from local.template import ROOT, Template, load

TABLE = "LoyaltyTable"


def template() -> Template:
    """The template, with its layer on sys.path as Lambda puts it under /opt/python."""
    loaded = load(ROOT / "template.yaml")
    runtime.add_layers(loaded)
    root = str(ROOT)
    if root not in sys.path:
        sys.path.insert(0, root)  # harness (api, counting, programs)
    return loaded


@dataclass
class Stack:
    template: Template
    physical: dict[str, str]
    admin_key: str
    pump: Any = None  # bench.books.Pump of the table's stream, once something needs it

    def new_table(self, prefix: str) -> str:
        """Another table with the template's schema (the job benchmarks give each table size its own)."""
        name = f"{prefix}-{uuid.uuid4().hex[:8]}"
        resources.create_table(boto3.client("dynamodb"), self.template, TABLE, name)
        return name


def reset_process_state() -> None:
    """What a new Lambda execution environment starts without: cached clients (the bus's too: bench.events
    made one on moto in-process, which would send the stack's events to AWS), program, rewards, keys."""
    from loyalty.adapters import event_bus
    from loyalty.services import api_keys, program, rewards
    from loyalty.store import client

    client.reset()
    event_bus.reset()
    program.forget()
    rewards.forget()
    api_keys._seen.clear()


@contextmanager
def local_stack(loaded: Template) -> Iterator[Stack]:
    """Start DynamoDB Local and moto, create the template's resources, and set every function's
    environment in os.environ, as the Lambda service would; stop both on exit."""
    saved = dict(os.environ)
    with MotoServer() as moto, DynamoDBLocal(lean_jvm=False) as dynamodb:  # the JVM as a server runs it
        for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
            os.environ.pop(name, None)
        os.environ.update(local_aws_env(moto.endpoint, dynamodb.endpoint))
        physical = resources.create_resources(loaded)
        os.environ.update(resources.function_environment(loaded, physical))
        # No X-Ray daemon listens here; with tracing on, every segment would be sent into the void.
        os.environ["POWERTOOLS_TRACE_DISABLED"] = "true"
        reset_process_state()
        from loyalty.services import api_keys

        admin_key = "lk_" + secrets.token_urlsafe(32)
        api_keys.bootstrap_key(admin_key, "admin", "bench admin")
        stack = Stack(loaded, physical, admin_key)
        try:
            yield stack
        finally:
            if stack.pump is not None:
                stack.pump.close()
            reset_process_state()
            os.environ.clear()
            os.environ.update(saved)


@contextmanager
def large_tables() -> Iterator[None]:
    """A DynamoDB Local of its own (a fresh JVM) for the large tables the jobs and reports benches seed,
    the layer's client and every new boto3 client pointed at it while the block runs, and the JVM
    thrown away after. Why: DynamoDB Local (in memory) stays slow after a large table is dropped (50,000
    members seeded in 100 s, the table dropped, the same seeding again unfinished after 33 minutes: a
    probe of 7 December 2026, and why make bench did not finish), and the main table's figures should
    not depend on what else the JVM holds."""
    from loyalty.store import client

    saved = os.environ["AWS_ENDPOINT_URL_DYNAMODB"]
    with DynamoDBLocal(lean_jvm=False) as other:
        os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = other.endpoint
        client.reset()
        try:
            yield
        finally:
            os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = saved
            client.reset()


@dataclass
class Seeded:
    physical: dict[str, str]
    backend: dict[str, str]


# The admin key the sample events send (events/README.md: LOYALTY_ADMIN_KEY=local-admin-key).
EVENTS_ADMIN_KEY = "local-admin-key"
# The same, in the shape of an issued key, for the cold-start probes' first requests (bench/cold_start.py):
# a chosen key such as EVENTS_ADMIN_KEY is accepted only by the process that stored it (or one it told,
# loyalty.services.api_keys.accept_chosen), and a probe is a fresh interpreter. Sent as the events' key,
# the first request of every API function answered 401 having read nothing, and measured nothing.
PROBE_ADMIN_KEY = "lk_" + "bench-cold-start-probe-".ljust(43, "0")
_STEP = re.compile(r"make invoke FUNCTION=\w+ EVENT=events/([\w./-]+\.json)")


def readme_sequence(events: Path) -> list[str]:
    """The event files (<Function>/<file>.json) in the order events/README.md runs them (the contract
    test tests/contract/test_events.py holds the README to running every file, in a working order)."""
    return _STEP.findall((events / "README.md").read_text(encoding="utf-8"))


@contextmanager
def seeded_moto(loaded: Template) -> Iterator[Seeded]:
    """moto's server with the template's resources and the data of events/README.md's sequence (every
    sample event run once, in its order, through the real handlers), for other processes to call: the
    cold-start probes send their first requests there. A thread of this process, no JVM: it costs
    nothing while the probes' inits are timed."""
    saved = dict(os.environ)
    with MotoServer() as moto:
        try:
            for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL_DYNAMODB"):
                os.environ.pop(name, None)
            backend = local_aws_env(moto.endpoint)
            os.environ.update(backend)
            physical = resources.create_resources(loaded)
            os.environ.update(resources.function_environment(loaded, physical))
            os.environ["POWERTOOLS_TRACE_DISABLED"] = "true"
            reset_process_state()
            from loyalty.services import api_keys

            api_keys.bootstrap_key(EVENTS_ADMIN_KEY, "admin", "local admin")
            api_keys.bootstrap_key(PROBE_ADMIN_KEY, "admin", "cold-start probe")
            events = loaded.root / "events"
            custom = custom_resource_functions(loaded.resources())
            with quiet_stdout(), cloudformation() as stack:  # custom resources answer a local receiver
                for step in readme_sequence(events):
                    event = json.loads((events / step).read_text(encoding="utf-8"))
                    if step.partition("/")[0] in custom:
                        event = stack.as_sent(event)
                    at_its_time(lambda: runtime.invoke(loaded, step.partition("/")[0], event), event)  # noqa: B023
            yield Seeded(physical, backend)
        finally:
            reset_process_state()
            os.environ.clear()
            os.environ.update(saved)


@contextmanager
def quiet_stdout() -> Iterator[None]:
    """Send file descriptor 1 to /dev/null: the handlers' log lines and EMF metrics (CloudWatch's
    business in Lambda) would bury the table. Errors still reach stderr."""
    sys.stdout.flush()
    saved = os.dup(1)
    with Path(os.devnull).open("wb") as sink:
        os.dup2(sink.fileno(), 1)
        try:
            yield
        finally:
            sys.stdout.flush()
            os.dup2(saved, 1)
            os.close(saved)


_STARTED = time.monotonic()


def progress(message: str) -> None:
    print(f"[bench {time.monotonic() - _STARTED:5.0f}s] {message}", file=sys.stderr, flush=True)
