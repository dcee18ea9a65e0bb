"""The admin console in a real browser: Debian's chromium (``make browser`` installs it with apt; never
``playwright install``) driven by Playwright, against the local stack as ``make run`` starts it, with the
console built from the sources (console/build.mjs) and served under the template's security headers.

One stack and one browser per session; each test gets a fresh browser context (its own sessionStorage,
cookies and localStorage), so no test inherits another's sign-in.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from harness.programs import program_document
from tests.stack_process import Stack, build, new_page, serve_stack

__all__ = ["ADMIN_KEY", "MEMBER_EMAIL", "MEMBER_ID", "Console", "Stack"]

ADMIN_KEY = "lk_console-browser-test-admin-key"
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
MEMBER_ID = "m-console-1"
MEMBER_EMAIL = "Ada.Console@Example.com"


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
    # The reports read the books the stack's stream poller keeps, a second or so behind the writes.
    now = datetime.now(UTC)
    around = f"from={(now - timedelta(days=1)).date()}&to={(now + timedelta(days=1)).date()}"
    deadline = time.monotonic() + 30
    while (kpis := stack.ok("GET", f"/v1/admin/reports/kpis?{around}"))["orders"] < 3 or not kpis["points_redeemed"]:
        assert time.monotonic() < deadline, f"the books did not take in the seeded writes: {kpis}"
        time.sleep(0.2)


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    # Built from the sources every session, so the tests never see a stale build/console.
    build("console/build.mjs", "chart.js", {"CONSOLE_API_BASE": ""})
    yield from serve_stack(ADMIN_KEY, tmp_path_factory.mktemp("console-stack"), _seed)


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
    errors: list[str] = []
    context, page = new_page(browser, {"width": 1366, "height": 900}, errors)
    opened = Console(page, stack, errors=errors)
    page.on("request", lambda request: opened.requested.append(request.url))
    page.on("dialog", lambda dialog: dialog.accept())
    yield opened
    context.close()
