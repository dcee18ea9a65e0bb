"""The console's simulator page, in chromium against the local stack: the current program prefilled and
edited, the simulation started, the orders file PUT to the URL the page shows (as an admin would with
curl: the console's security policy lets it talk to the API only), and both programs side by side."""

from __future__ import annotations

import json
import re
import urllib.request

from tests.browser.conftest import Console

ORDERS = [
    {
        "order_id": "sim-console-1",
        "member_id": "sim-a",
        "currency": "USD",
        "placed_at": "2026-03-02T15:00:00Z",
        "lines": [{"sku": "BOOT", "category": "shoes", "quantity": 1, "unit_price_minor": 100_00}],
    },
    {
        "order_id": "sim-console-2",
        "member_id": "sim-b",
        "currency": "USD",
        "placed_at": "2026-04-10T15:00:00Z",
        "lines": [{"sku": "TV", "category": "electronics", "quantity": 1, "unit_price_minor": 25_00}],
    },
]


def _put(url: str, body: bytes) -> None:
    request = urllib.request.Request(url, data=body, method="PUT")
    request.add_header("Content-Type", "application/octet-stream")
    with urllib.request.urlopen(request, timeout=30) as answer:
        assert answer.status == 200


def test_the_simulator_shows_both_programs_side_by_side(console: Console) -> None:
    console.sign_in(route="/simulator", heading="Simulator")
    page = console.page
    editor = page.get_by_label("Proposed program (JSON)")
    program = json.loads(editor.input_value())  # the current program, prefilled
    assert program["points_per_unit"] in ("1", 1)
    editor.fill(json.dumps({**program, "points_per_unit": "2"}))
    page.get_by_label("Simulation id").fill("console-sim-1")
    page.get_by_role("button", name="Start simulation").click()
    page.get_by_role("heading", name=re.compile("Simulation console-sim-1: waiting")).wait_for()
    url = page.locator("code.secret").inner_text()
    _put(url, "".join(json.dumps(order) + "\n" for order in ORDERS).encode())

    page.get_by_role("heading", name=re.compile("Simulation console-sim-1: (done|failed)")).wait_for(timeout=30_000)
    assert page.get_by_role("heading", name="Simulation console-sim-1: done").is_visible(), page.locator(
        "main"
    ).inner_text()
    side = page.locator("table").filter(has_text="The two programs side by side")
    # 100.00 of shoes and 25.00 of electronics (x2): 150 points now, 300 at 2 points per dollar.
    issued = side.get_by_role("row").filter(has_text="Points issued").locator("td")
    assert [issued.nth(i).inner_text() for i in range(4)] == ["Points issued", "150", "300", "+150"]
    gainers = page.locator("table").filter(has_text="Members who gain most")
    assert gainers.get_by_role("row").nth(1).locator("td").first.inner_text() == "sim-a"
    assert page.get_by_text("Nobody loses.").is_visible()
    console.screenshot("simulator")
    assert not [e for e in console.errors if not e.startswith("Failed to load resource")], console.errors
