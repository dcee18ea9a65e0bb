"""<loyalty-panel>'s challenges: a progress bar per challenge of the program and the member's badges, in
chromium against the local stack (the demo program of conftest.py: "three-books" with the badge
"bookworm", "big-spender")."""

from __future__ import annotations

from tests.browser.widget.conftest import Shop
from tests.browser.widget.test_widget import _text
from tests.stack_process import Stack


def test_progress_bars_say_how_far_each_challenge_is_and_a_completed_one_shows_its_badge(
    shop: Shop, stack: Stack
) -> None:
    shop.open("demo-ada")  # twelve book orders: three-books is completed
    shop.open_sections()
    section = shop.panel.locator("details[data-section=challenges]")
    section.locator("[data-challenge]").first.wait_for()
    page = stack.ok("GET", "/v1/members/demo-ada/challenges")
    spend = next(item for item in page["items"] if item["challenge_id"] == "big-spender")
    bar = section.get_by_role("progressbar", name="Spend 1,000 euros")
    assert int(bar.get_attribute("aria-valuemax") or bar.get_attribute("max")) == 1000_00
    assert int(float(bar.evaluate("node => node.value"))) == spend["progress"] > 0
    assert f"{spend['progress']:,} of 100,000" in _text(section.locator("[data-challenge=big-spender]"))
    books = section.get_by_role("progressbar", name="Buy three books this month")
    assert books.evaluate("node => [node.value, node.max]") == [3, 3]
    assert "Completed on" in _text(section.locator("[data-challenge=three-books]"))
    assert _text(section.locator("[part=badges] .badge")) == "bookworm"


def test_a_member_on_its_way_sees_its_count_and_the_end_and_no_badge(shop: Shop, stack: Stack) -> None:
    shop.open("demo-ben", lang="de")  # one order
    shop.open_sections()
    section = shop.panel.locator("details[data-section=challenges]")
    section.locator("[data-challenge]").first.wait_for()
    books = _text(section.locator("[data-challenge=three-books]"))
    assert "1 von 3" in books and "bis" in books
    assert section.locator("[part=badges]").count() == 0
    assert shop.api_calls("/v1/me/challenges")  # the member's own route, with its token
    assert stack.ok("GET", "/v1/members/demo-ben")["badges"] == []
