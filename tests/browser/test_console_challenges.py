"""The console edits the program's challenges with the program (its JSON settings), in chromium against the
local stack (tests/browser/conftest.py); a refused challenge is shown next to that field."""

from __future__ import annotations

import json

from tests.browser.conftest import Console, Stack

CHALLENGE = {"challenge_id": "three-orders", "label": "Three orders", "kind": "orders", "goal": 3,
             "window_days": 30, "reward_points": 0, "badge": "regular"}  # fmt: skip


def test_challenges_are_saved_with_the_program_and_a_bad_one_is_refused_next_to_its_field(
    console: Console, stack: Stack
) -> None:
    console.sign_in(route="/program", heading="Program")
    page = console.page
    settings = page.get_by_label("Other settings (JSON)")
    current = json.loads(settings.input_value())
    settings.fill(json.dumps({**current, "challenges": [{**CHALLENGE, "goal": 0}]}))
    page.get_by_role("button", name="Save program").click()
    settings.and_(page.locator("[aria-invalid=true]")).wait_for()
    message = page.locator(f"#{settings.get_attribute('id')}-error")
    assert "greater than or equal to 1" in message.inner_text()  # the goal of 0
    assert stack.ok("GET", "/v1/admin/program")["challenges"] == []  # nothing was stored

    settings.fill(json.dumps({**current, "challenges": [CHALLENGE]}))
    page.get_by_role("button", name="Save program").click()
    page.get_by_text("Program saved.").wait_for()
    stored = stack.ok("GET", "/v1/admin/program")["challenges"]
    assert [(c["challenge_id"], c["goal"], c["badge"], c["repeatable"]) for c in stored] == [
        ("three-orders", 3, "regular", False)
    ]
    # The program read again shows them in the form, so the next save keeps them.
    page.reload()
    assert json.loads(page.get_by_label("Other settings (JSON)").input_value())["challenges"][0]["goal"] == 3
