"""The admin console in a real browser: Debian's chromium (``make browser`` installs it with apt; never
``playwright install``) driven by Playwright, against the local stack as ``make run`` starts it, with the
console built from the sources (console/build.mjs) and served under the template's security headers.

One stack and one browser per session; each test gets a fresh browser context (its own sessionStorage,
cookies and localStorage), so no test inherits another's sign-in.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from harness.programs import program_document
from local.backend import free_port
from local.template import ROOT

ADMIN_KEY = "lk_console-browser-test-admin-key"
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
MEMBER_ID = "m-console-1"
MEMBER_EMAIL = "Ada.Console@Example.com"


@dataclass
class Stack:
    api: str
    process: subprocess.Popen[str]

    def call(self, method: str, path: str, body: Any = None, key: str | None = ADMIN_KEY) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if data else {}
        if key:
            headers["Authorization"] = f"Bearer {key}"
        request = urllib.request.Request(self.api + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                raw = response.read()
                return response.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as error:
            raw = error.read()
            return error.code, json.loads(raw) if raw else None

    def ok(self, method: str, path: str, body: Any = None) -> Any:
        status, answer = self.call(method, path, body)
        assert status in (200, 201, 204), (method, path, status, answer)
        return answer


def _chromium() -> str:
    found = shutil.which("chromium")
    if not found:
        pytest.fail("chromium is not installed: run `make browser` (`make test` runs it first)", pytrace=False)
    return found


def _build_console() -> None:
    """Builds from the sources every session, so the tests never see a stale build/console."""
    if not (ROOT / "node_modules" / "chart.js").is_dir():
        pytest.fail("node_modules/chart.js is missing: run `npm ci` (`make test` does)", pytrace=False)
    built = subprocess.run(
        ["node", str(ROOT / "console" / "build.mjs")],
        cwd=ROOT,
        env={**os.environ, "CONSOLE_API_BASE": ""},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert built.returncode == 0, built.stderr


def _wait_for_health(stack: Stack) -> None:
    deadline = time.monotonic() + 60
    while True:
        if stack.process.poll() is not None:
            out, err = stack.process.communicate()
            pytest.fail(f"the local stack exited with {stack.process.returncode}:\n{out}\n{err}")
        try:
            if stack.call("GET", "/v1/health", key=None)[0] == 200:
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            stack.process.kill()
            pytest.fail("the local stack did not answer GET /v1/health in time")
        time.sleep(0.2)


def _seed(stack: Stack) -> None:
    """A program, a member with a few orders (so today's reports have points) and a reward."""
    stack.ok("PUT", "/v1/admin/program", program_document())
    stack.ok("POST", "/v1/members", {"member_id": MEMBER_ID, "email": MEMBER_EMAIL, "name": "Ada Console"})
    placed = (datetime.now(UTC) - timedelta(minutes=5)).isoformat().replace("+00:00", "Z")
    for number, price in enumerate((12_50, 40_00, 7_25)):
        order = {
            "order_id": f"console-order-{number}",
            "member_id": MEMBER_ID,
            "currency": "USD",
            "placed_at": placed,
            "lines": [{"sku": f"SKU-{number}", "category": "books", "quantity": 1, "unit_price_minor": price}],
        }
        stack.ok("POST", "/v1/orders", order)
    stack.ok(
        "PUT",
        "/v1/admin/rewards/coffee",
        {"name": "Free coffee", "kind": "free_product", "cost_points": 10, "sku": "COFFEE", "stock": 100},
    )
    stack.ok(
        "POST", f"/v1/members/{MEMBER_ID}/redemptions", {"redemption_id": "console-redemption-1", "reward_id": "coffee"}
    )


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    _build_console()
    port = free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "BACKEND": "moto",
        "LOYALTY_ADMIN_KEY": ADMIN_KEY,
        "LOCAL_STACK_FILE": str(tmp_path_factory.mktemp("console-stack") / "stack.json"),
        "PYTHONUNBUFFERED": "1",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "local.stack"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    running = Stack(f"http://127.0.0.1:{port}", process)
    try:
        _wait_for_health(running)
        _seed(running)
        yield running
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=_chromium(), headless=True)
        yield launched
        launched.close()


@dataclass
class Console:
    """A page of the console with what it logged: console errors (CSP violations among them) and every
    URL it requested."""

    page: Any
    stack: Stack
    errors: list[str] = field(default_factory=list)
    requested: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.stack.api + "/console/"

    def open(self, route: str = "") -> None:
        self.page.goto(self.url + (f"#{route}" if route else ""))

    def sign_in(self, key: str = ADMIN_KEY, route: str = "/dashboard", heading: str = "Dashboard") -> None:
        """Opens ``route`` signed out, signs in, and lands there (as a bookmark would), so tests of other
        pages do not wait for the dashboard's reports (the local stack runs one call per function at a time)."""
        self.open(route)
        self.page.get_by_role("heading", name="Sign in").wait_for()
        self.page.get_by_label("Admin key").fill(key)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.get_by_role("heading", name=heading, level=1).wait_for()

    def go(self, route: str, heading: str) -> None:
        self.page.evaluate("route => { window.location.hash = route; }", f"#{route}")
        self.page.get_by_role("heading", name=heading, level=1).wait_for()

    def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def console(browser: Any, stack: Stack) -> Iterator[Console]:
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    opened = Console(page, stack)
    page.on("console", lambda message: message.type == "error" and opened.errors.append(message.text))
    page.on("pageerror", lambda error: opened.errors.append(str(error)))
    page.on("request", lambda request: opened.requested.append(request.url))
    page.on("dialog", lambda dialog: dialog.accept())
    yield opened
    context.close()
