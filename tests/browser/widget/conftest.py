"""The shoppers' widget in a real browser: Debian's chromium driven by Playwright, on the demo shop page
of the local stack as ``make run`` starts it (the widget built from widget/src by widget/build.mjs).

The shop is another origin than the API, as a real shop is: the page is opened at
``http://localhost:<port>`` while the widget, its demo script and the API live at
``http://127.0.0.1:<port>`` (the stack starts with ``WIDGET_ORIGINS=http://localhost:<port>`` so the API's
CORS lets the shop's page call it). The program is in euros. Each test has its own member (demo-<name>),
so no test sees another's redemptions.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from harness.programs import PLUS, engaged_document, program_document
from local.backend import free_port
from tests.stack_process import Stack, build, new_page, serve_stack

ADMIN_KEY = "lk_widget-browser-test-admin-key"
# Members and the orders (euro cents, books: a winter campaign doubles them) that give them points.
MEMBERS = {
    "demo-ada": [60_00, 45_00, 30_00, 25_00, 20_00, 15_00, 12_00, 10_00, 9_00, 8_00, 7_00, 6_00],
    "demo-ben": [250_00],
    "demo-cy": [250_00],
    "demo-dee": [120_00],
    "demo-eve": [250_00],
    "demo-fay": [700_00],
    "demo-gus": [700_00],  # the screenshots' shopper, with a voucher already
}
REWARDS = {
    "coffee": {"name": "Free coffee", "kind": "free_product", "cost_points": 100, "sku": "COFFEE", "stock": 1000},
    "five-off": {"name": "Five euros off", "kind": "discount_fixed", "value_minor": 500, "cost_points": 400},
    "tote": {"name": "Canvas tote", "kind": "free_product", "cost_points": 5000, "sku": "TOTE", "stock": 10},
}


def _now(offset: timedelta = timedelta()) -> str:
    return (datetime.now(UTC) + offset).isoformat(timespec="seconds").replace("+00:00", "Z")


def _seed(stack: Stack) -> None:
    program = program_document(
        currency="EUR",
        point_value_minor=1,
        campaigns=[
            {
                "campaign_id": "winter-books",
                "multiplier": 2,
                "categories": ["books"],
                "starts_at": _now(timedelta(days=-1)),
                "ends_at": _now(timedelta(days=30)),
            }
        ],
        signup_points=50,
        referrals={"referrer_points": 200, "referee_points": 100, "min_order_minor": 20_00},
        # Badges only (no points), so the members' balances are what their orders earned.
        challenges=[
            {
                "challenge_id": "three-books",
                "label": "Buy three books this month",
                "kind": "orders",
                "goal": 3,
                "window_days": 30,
                "reward_points": 0,
                "badge": "bookworm",
                "ends_at": _now(timedelta(days=30)),
            },
            {
                "challenge_id": "big-spender",
                "label": "Spend 1,000 euros",
                "kind": "spend_minor",
                "goal": 1000_00,
                "window_days": 90,
                "reward_points": 0,
            },
        ],
    )
    # Gold's perks and a paid membership that holds Gold (tests/browser/widget/test_widget_perks.py).
    program = {**program, "tiers": engaged_document()["tiers"], "memberships": [PLUS]}
    stack.ok("PUT", "/v1/admin/program", program)
    for reward_id, reward in REWARDS.items():
        stack.ok("PUT", f"/v1/admin/rewards/{reward_id}", reward)
    for member_id, prices in MEMBERS.items():
        name = member_id.removeprefix("demo-").title()
        stack.ok("POST", "/v1/members", {"member_id": member_id, "email": f"{name}@shop.example", "name": name})
        for number, price in enumerate(prices):
            order = {
                "order_id": f"{member_id}-order-{number}",
                "member_id": member_id,
                "currency": "EUR",
                "placed_at": _now(timedelta(minutes=-5)),
                "lines": [{"sku": f"BOOK-{number}", "category": "books", "quantity": 1, "unit_price_minor": price}],
            }
            stack.ok("POST", "/v1/orders", order)
    stack.ok("POST", "/v1/members/demo-gus/redemptions", {"redemption_id": "gus-coffee", "reward_id": "coffee"})


# A section is shown once it is open and its box holds something other than "Loading…" (a list, a note
# that it is empty, or an error).
SECTION_SHOWN = """(name) => {
  const details = document.querySelector("loyalty-panel").shadowRoot.querySelector(`details[data-section="${name}"]`);
  const box = details?.querySelector(":scope > div");
  return Boolean(details?.open && box?.childElementCount && !box.querySelector(".loading"));
}"""


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    # Built from the sources every session, so the tests never see a stale build/widget.
    build("widget/build.mjs", "esbuild")
    port = free_port()
    env = {"WIDGET_ORIGINS": f"http://localhost:{port}"}
    yield from serve_stack(ADMIN_KEY, tmp_path_factory.mktemp("widget-stack"), _seed, env, port)


@dataclass
class Shop:
    """The demo shop's page in one browser context, with what it logged: console errors (CSP violations
    among them), every request (method, URL, body) and every response (status, URL)."""

    page: Any
    stack: Stack
    errors: list[str] = field(default_factory=list)
    requests: list[tuple[str, str, str | None]] = field(default_factory=list)
    responses: list[tuple[int, str]] = field(default_factory=list)

    @property
    def origin(self) -> str:
        """The shop's own origin: the stack's port under another host name."""
        return self.stack.api.replace("127.0.0.1", "localhost")

    @property
    def panel(self) -> Any:
        return self.page.locator("loyalty-panel")

    def open(self, member: str, lang: str | None = None, ttl: int | None = None) -> None:
        query = f"?member={member}" + (f"&lang={lang}" if lang else "") + (f"&ttl={ttl}" if ttl else "")
        self.page.goto(f"{self.origin}/widget/demo.html{query}")
        self.panel.locator(".balance").wait_for()

    def open_sections(self) -> None:
        """Opens every closed part of the panel (vouchers, activity, ways to earn, challenges, referral,
        card) as a reader does, one after the other, each once what the last one loads is shown.

        One at a time because a list arriving above a summary moves it: Playwright checks the target at the
        mouse-down only, so a mouse-up that lands after the move clicks nothing (a lost click, seen once in
        CI on a loaded machine)."""
        for section in self.panel.locator("details[data-section]").all():
            name = section.get_attribute("data-section")
            if section.get_attribute("open") is None:
                section.locator("summary").click()
            self.page.wait_for_function(SECTION_SHOWN, arg=name)
        self.panel.locator("details[data-section=activity] li").first.wait_for()
        self.panel.locator("details[data-section=earn] li").first.wait_for()

    def api_calls(self, path: str, method: str = "GET") -> list[tuple[str, str, str | None]]:
        return [call for call in self.requests if call[0] == method and call[1].split("?")[0].endswith(path)]

    def problems(self) -> list[str]:
        """Script errors and CSP violations; a refused API call the page shows is not one."""
        return [error for error in self.errors if not error.startswith("Failed to load resource")]


@pytest.fixture
def shop(browser: Any, stack: Stack) -> Iterator[Shop]:
    errors: list[str] = []
    context, page = new_page(browser, {"width": 1000, "height": 1000}, errors)
    opened = Shop(page, stack, errors=errors)
    page.on("request", lambda request: opened.requests.append((request.method, request.url, request.post_data)))
    page.on("response", lambda response: opened.responses.append((response.status, response.url)))
    yield opened
    context.close()


def member(stack: Stack, member_id: str) -> dict[str, Any]:
    """The member as the admin API shows it, to compare what the widget shows with."""
    answer: dict[str, Any] = stack.ok("GET", f"/v1/members/{member_id}")
    return answer
