"""Shared fixtures. The table is built from template.yaml itself, on moto or on DynamoDB Local.

A test that uses the ``aws`` fixture runs on moto (fast, in-process). Where the engine's own rules
decide the outcome (transactions and their conditions, item and transaction limits, index queries and
paging, concurrency), the test or its module carries ``pytest.mark.engine`` and runs twice: on moto and
on DynamoDB Local. A test may also name its backends itself (``parametrize("aws", [...], indirect=True)``).
"""

from __future__ import annotations

import inspect
import os
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from harness import books
from local import resources
from local import template as template_loader
from local.backend import DynamoDBLocal
from loyalty import settings
from loyalty.adapters import (
    accrual_queue,
    clock,
    delivery_queue,
    event_bus,
    inbound_bodies,
    kms,
    secrets_manager,
    table_stream,
)
from loyalty.services import api_keys, member_tokens, program, rewards, webhooks
from loyalty.services import books as kept_books
from loyalty.services.integrations import connections
from loyalty.store import campaigns as campaign_store
from loyalty.store import client as store_client
from tests import TEMPLATE, moto_speed
from tests.stack_process import launched_chromium

moto_speed.install()

ROOT = Path(__file__).resolve().parent.parent

# In-process tests run from a fixed moment, a little after the fixed 2026 dates their orders are placed on
# (a program refuses orders older than its max_order_age_days, so the wall clock would fail them one day),
# and time goes on from there as it does, so writes made one after the other keep their order.
# A test that moves time sets the clock itself.
TEST_NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def _test_clock() -> datetime:
    return TEST_NOW + timedelta(seconds=time.monotonic() - _STARTED)


_STARTED = time.monotonic()
BACKENDS = ["moto", "dynamodb-local"]

# Credentials and region that can never reach a real account.
os.environ.update(
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_SESSION_TOKEN="testing",
    AWS_DEFAULT_REGION="us-east-1",
    POWERTOOLS_TRACE_DISABLED="true",
    POWERTOOLS_DEV="false",
)
for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_PROFILE"):
    os.environ.pop(name, None)


@pytest.fixture(scope="session", autouse=True)
def template() -> template_loader.Template:
    """The template, with every function's environment in os.environ as Lambda would set it, so a
    handler module imported by any test (the OpenAPI generator too) sees its real configuration."""
    loaded = TEMPLATE  # read once, by tests/__init__.py
    names = {logical_id: logical_id for logical_id in loaded.types()}
    os.environ.update(resources.function_environment(loaded, names))
    return loaded


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's chromium through Playwright, one per session for every browser suite (tests/browser,
    tests/browser/widget): Playwright's sync API runs one event loop per thread, so a second one cannot start."""
    yield from launched_chromium()


@pytest.fixture(scope="session")
def dynamodb_local() -> Iterator[DynamoDBLocal]:
    """One DynamoDB Local process for the whole session, started only if a test asks for it."""
    with DynamoDBLocal() as engine:
        yield engine


def _reset_process_state() -> None:
    settings.reset()
    store_client.reset()
    program.forget()
    rewards.forget()
    api_keys._seen.clear()
    clock.set_clock(_test_clock)
    # clients made inside the last mock
    for adapter in (accrual_queue, delivery_queue, event_bus, kms, inbound_bodies, secrets_manager):
        adapter.reset()
    member_tokens.forget()  # the token keys of the last test's secret
    webhooks.forget()
    connections.forget()
    campaign_store.forget()
    table_stream.reset()  # the stream's clients and the table's stream ARN
    books.forget()  # the pollers that settle the books (harness.books)
    kept_books.forget()  # the checkpoints the publisher last wrote


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "engine: the real engine's rules matter here: run on DynamoDB Local as well as on moto"
    )
    for name, what in NEEDS.items():
        config.addinivalue_line("markers", f"{name}: {what} (set by tests/conftest.py; make check leaves it out)")


# What a test needs beyond this process, as markers that tests/conftest.py sets from what the test uses, so no
# test has to remember to say it. `make check` runs the tests that need none of these; `make test` runs all.
NEEDS = {
    "dynamodb_local": "runs on DynamoDB Local (a JVM)",
    "stack": "starts other processes: the local stack, a moto server, worker processes",
    "browser": "drives chromium through Playwright",
    "tools": "needs the SAM CLI or checkov from .tools/ (make tools)",
    "slow": "in-process but long (scale, many threads, many rounds): left to make test",
}
# In-process tests left to `make test` for their time alone: each takes 8 s or more of CPU (measured with
# pytest's junit report and --durations; see docs/testing.md). The fault and fuzz suites, once listed here
# whole, fit in make check since tests/moto_speed.py: only their long single tests stay.
SLOW = (
    "tests/service/fuzz/test_openapi_fuzz.py::test_the_api_answers_every_request_as_documented",
    "tests/service/fuzz/test_openapi_fuzz.py::test_the_documents_links_chain_real_workflows",
    "tests/engine/jobs/test_accounting.py::test_a_scripted_year_adds_up_every_month",
    "tests/engine/jobs/test_accounting.py::test_reports_read_the_same_whatever_the_number_of_members",
    "tests/engine/jobs/test_fanout.py::test_a_run_beyond_its_budget_fans_out_through_the_queue_and_finishes",
    "tests/engine/integrations_in/test_arrival_order.py::test_any_order_of_arrival_each_twice_ends_in_the_natural_balance",
    "tests/engine/imports/test_bulk_import.py::test_an_import_brings_balances_expiry_days_and_tiers",
    "tests/engine/jobs/test_scale.py::",  # on DynamoDB Local already: listed so a moto run of it stays out too
    "tests/engine/races/test_exactly_once.py::",
    "tests/engine/use_cases/test_me_balance.py::",  # a year of daily orders, on both engines
    "tests/service/bench/test_history_units.py::",  # a year of daily orders and one of 1,000, per granularity
)
# The longest tests of `make test` (30 s or more each in a full run on 2 cores, from --durations), longest
# first. pytest-xdist's worksteal hands each worker an equal run of the collection, in order, and a worker out
# of tests takes half of what another has not started: so each run starts with its share of these (dealt in
# turn), and the workers end together instead of one running them all, or one alone at the end.
LONG_FIRST = (
    "tests/engine/use_cases/test_me_balance.py::",
    "tests/engine/jobs/test_scale.py::",
    "tests/engine/imports/test_bulk_import.py::test_an_import_brings",
    "tests/engine/races/test_campaign_races.py::",
    "tests/service/bench/test_history_units.py::",
    "tests/engine/races/test_redemption_races.py::",
    "tests/browser/widget/test_widget.py::test_an_expired_token",
    "tests/engine/races/test_exactly_once.py::",
    "tests/engine/races/test_long_history.py::",
    "tests/service/fuzz/test_openapi_fuzz.py::",
)


def _long_first(items: list[pytest.Item]) -> list[pytest.Item]:
    """``items`` with each worker's equal run (as worksteal cuts them) starting with its turn of LONG_FIRST."""
    rank = {prefix: place for place, prefix in enumerate(LONG_FIRST)}

    def place(item: pytest.Item) -> int | None:
        return next((rank[p] for p in LONG_FIRST if item.nodeid.startswith(p)), None)

    long = sorted((item for item in items if place(item) is not None), key=lambda item: place(item) or 0)
    rest = iter([item for item in items if place(item) is None])
    workers = max(1, int(os.environ.get("PYTEST_XDIST_WORKER_COUNT") or 1))
    ordered: list[pytest.Item] = []
    for worker in range(workers):
        size = (len(items) - len(ordered)) // (workers - worker)  # worksteal's cut: what is left, shared out
        dealt = long[worker::workers]
        ordered += dealt + [item for _, item in zip(range(size - len(dealt)), rest, strict=False)]
    return ordered + list(rest)


# A name a test or its fixtures reach (through helpers in tests/ and harness/) that says what it needs; also
# looked for in the code a test hands to another interpreter as a string (bench.stack.seeded_moto runs moto).
HELPERS = ("tests.", "harness.")
_REACHES = {
    "Popen": "stack",
    "MotoServer": "stack",
    "seeded_moto": "stack",
    "DynamoDBLocal": "dynamodb_local",
    "sync_playwright": "browser",
}


def _names(code: Any) -> Iterator[str]:
    yield from code.co_names
    for const in code.co_consts:
        if hasattr(const, "co_names"):
            yield from _names(const)


def _needs_of(obj: Any, seen: set[int]) -> set[str]:
    """The needs a function (or class) reaches: names it uses, followed into the helpers of tests/."""
    if id(obj) in seen:
        return set()
    seen.add(id(obj))
    if isinstance(obj, type):
        return set().union(*(_needs_of(member, seen) for member in vars(obj).values() if callable(member)))
    code, found = getattr(obj, "__code__", None), set()
    if code is None:
        return found
    for name in _names(code):
        if name in _REACHES:
            found.add(_REACHES[name])
        value = obj.__globals__.get(name)
        if isinstance(value, Path) and (ROOT / ".tools") in value.parents:
            found.add("tools")
        elif isinstance(value, str):
            found |= {need for reached, need in _REACHES.items() if reached in value}
        elif callable(value) and str(getattr(value, "__module__", "")).startswith(HELPERS):
            found |= _needs_of(inspect.unwrap(value), seen)
    return found


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Marks each test with what it needs (NEEDS), from its backend parameters, its fixtures and its code."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        needs: set[str] = set()
        if "dynamodb_local" in item.fixturenames or (callspec and "dynamodb-local" in callspec.params.values()):
            needs.add("dynamodb_local")
        seen: set[int] = set()
        if isinstance(item, pytest.Function):
            needs |= _needs_of(item.function, seen)
        for name in item.fixturenames:
            for fixturedef in item._fixtureinfo.name2fixturedefs.get(name, ()):
                if str(getattr(fixturedef.func, "__module__", "")).startswith("tests."):
                    needs |= _needs_of(fixturedef.func, seen)
        if item.nodeid.startswith(SLOW):
            needs.add("slow")
        for need in sorted(needs):
            item.add_marker(need)
    items[:] = _long_first(items)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Backends for a test that uses ``aws`` and does not name them itself: both under ``engine``."""
    if "aws" not in metafunc.fixturenames:
        return
    named = any("aws" in str(mark.args[0]) for mark in metafunc.definition.iter_markers("parametrize"))
    if not named:
        engines = BACKENDS if metafunc.definition.get_closest_marker("engine") else BACKENDS[:1]
        metafunc.parametrize("aws", engines, indirect=True)


@pytest.fixture
def aws(
    request: pytest.FixtureRequest, template: template_loader.Template, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """A fresh table (from the template) and moto for every other AWS service; yields the backend name."""
    backend: str = request.param
    with mock_aws():
        physical = {"LoyaltyTable": "LoyaltyTable"}
        if backend == "dynamodb-local":
            engine: DynamoDBLocal = request.getfixturevalue("dynamodb_local")
            monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", engine.endpoint)
            # The JVM on a shared 2-core CI machine, under fifty threads' transactions, can take longer
            # than Lambda's 5 s to answer; the races test the engine's outcome, not its speed.
            monkeypatch.setenv("DYNAMODB_READ_TIMEOUT_SECONDS", "60")
            physical["LoyaltyTable"] = f"loyalty-{uuid.uuid4().hex[:12]}"
        session = moto_speed.moto_clients() if backend == "moto" else boto3.Session()
        created = resources.create_resources(template, session, names=physical)
        for name, value in resources.function_environment(template, created).items():
            monkeypatch.setenv(name, value)
        _reset_process_state()
        yield backend
        if backend == "dynamodb-local":
            boto3.client("dynamodb").delete_table(TableName=created["LoyaltyTable"])
        _reset_process_state()


@pytest.fixture
def ddb(aws: str) -> Any:
    """The same DynamoDB client the layer uses, for assertions."""
    return store_client.dynamodb()


ADMIN_KEY = "lk_test-admin-key-0123456789abcdefghijklmnop"


@pytest.fixture
def admin_api(aws: str, template: template_loader.Template) -> Any:
    """An API client holding an admin key (bootstrapped as the local stack does)."""
    from harness.api import Api

    api_keys.bootstrap_key(ADMIN_KEY, "admin", "test admin")
    return Api(template, ADMIN_KEY)


@pytest.fixture
def api(admin_api: Any) -> Any:
    """A storefront client, with the program configured."""
    from harness.api import Api
    from harness.programs import program_document

    assert admin_api.put("/v1/admin/program", program_document()).status == 200
    key = admin_api.post("/v1/admin/keys", {"scope": "storefront", "label": "web shop"}).body["key"]
    return Api(admin_api.gateway.template, key)


def table_items(client: Any) -> list[dict[str, Any]]:
    """Every item of the table under test (small test tables only)."""
    items: list[dict[str, Any]] = []
    for page in client.get_paginator("scan").paginate(TableName=os.environ["TABLE_NAME"]):
        items.extend(page["Items"])
    return items
