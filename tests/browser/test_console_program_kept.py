"""Saving the console's program form keeps every setting the form has no field for (referrals, month
expiry, the experiments' margin, memberships...): a program is PUT whole, so a setting the page left out
would be dropped by a save that meant to change something else."""

from __future__ import annotations

from tests.browser.conftest import Console, Stack


def test_saving_the_form_keeps_the_settings_it_has_no_field_for(console: Console, stack: Stack) -> None:
    before = stack.ok("GET", "/v1/admin/program")
    program = {
        **before,
        "referrals": {"referrer_points": 300, "referee_points": 150, "min_order_minor": 2000},
        "expiry_granularity": "month",
        "gross_margin_rate": 0.35,
    }
    stored = stack.ok("PUT", "/v1/admin/program", program)
    try:
        console.sign_in(route="/program", heading="Program")
        page = console.page
        page.get_by_label("Signup points").fill("25")
        page.get_by_role("button", name="Save program").click()
        page.get_by_text("Program saved.").wait_for()
        after = stack.ok("GET", "/v1/admin/program")
        assert after == {**stored, "signup_points": 25}, "only the field changed moved"
    finally:
        stack.ok("PUT", "/v1/admin/program", before)
