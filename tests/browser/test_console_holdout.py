"""The holdout in the admin console: set on the program form, a member's group on the member page."""

from __future__ import annotations

from tests.browser.conftest import MEMBER_ID, Console, Stack


def test_the_program_form_sets_the_holdout_and_the_member_page_shows_the_group(console: Console, stack: Stack) -> None:
    before = stack.ok("GET", "/v1/admin/program")
    console.sign_in(route="/program", heading="Program")
    page = console.page
    assert page.get_by_label("Held out of campaigns").is_checked(), "the API's default is preselected"
    assert not page.get_by_label("Held out of expiry reminders").is_checked()
    page.get_by_label("Holdout (% of new members)").fill("20")
    page.get_by_label("Held out of expiry reminders").check()
    page.get_by_role("button", name="Save program").click()
    page.get_by_text("Program saved.").wait_for()
    stored = stack.ok("GET", "/v1/admin/program")
    assert stored["holdout"] == {"percent": 20, "excludes": ["campaigns", "reengagement_emails", "expiry_reminders"]}
    assert {**stored, "holdout": None} == before, "the rest of the program unchanged"

    page.get_by_label("Holdout (% of new members)").fill("60")
    page.get_by_role("button", name="Save program").click()
    percent = page.get_by_label("Holdout (% of new members)")
    percent.and_(page.locator("[aria-invalid=true]")).wait_for()
    assert stack.ok("GET", "/v1/admin/program")["holdout"]["percent"] == 20, "a refused program stores nothing"

    console.go("/members", "Members")
    page.get_by_label("Member id or email").fill(MEMBER_ID)
    page.get_by_role("button", name="Find").click()
    page.get_by_role("heading", name=f"Member {MEMBER_ID}").wait_for()
    # Enrolled before the holdout was set: treatment, for life.
    assert page.locator('[data-field="Group"]').inner_text() == "Treatment"
    stack.ok("PUT", "/v1/admin/program", before)
