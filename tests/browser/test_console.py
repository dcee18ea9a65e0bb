"""The admin console, driven in chromium against the local stack (tests/browser/conftest.py)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.browser.conftest import ADMIN_KEY, MEMBER_EMAIL, MEMBER_ID, Console, Stack

# A canvas Chart.js has drawn on has opaque pixels; a blank one is transparent everywhere.
PAINTED_PIXELS = """id => {
  const canvas = document.getElementById(id);
  const { width, height } = canvas;
  if (!width || !height) return 0;
  const data = canvas.getContext("2d").getImageData(0, 0, width, height).data;
  let painted = 0;
  for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++;
  return painted;
}"""


def _today(stack: Stack) -> str:
    """Today in the program's timezone, as the console computes it."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo(stack.ok("GET", "/v1/admin/program")["timezone"])).date().isoformat()


def days_ago(day: str, count: int) -> str:
    from datetime import date, timedelta

    return (date.fromisoformat(day) - timedelta(days=count)).isoformat()


def _problems(console: Console) -> list[str]:
    """Script errors and CSP violations; a refused API call (a 404 the page shows) is not one."""
    return [error for error in console.errors if not error.startswith("Failed to load resource")]


def test_sign_in_and_the_dashboard_draws_its_charts(console: Console, stack: Stack) -> None:
    console.sign_in()
    page = console.page
    for chart in ("chart-points", "chart-liability", "chart-tiers"):
        page.wait_for_function("id => window.Chart && Chart.getChart(document.getElementById(id))", arg=chart)
        assert page.evaluate(PAINTED_PIXELS, chart) > 500, f"{chart} is blank"
    # The figures shown are the API's, formatted: money in the program's currency (USD) in the reader's
    # locale (en-US). Three orders today: 12.50 + 40.00 + 7.25. (Other tests adjust points, so the point
    # figures are compared with what the API says now, not with constants.)
    kpis = page.locator("dl.kpis").first
    text = kpis.inner_text()
    assert re.search(r"Revenue\s*\$59\.75\b", text) and re.search(r"Average order value\s*\$19\.92\b", text)
    first = page.locator("#range option:checked").inner_text()
    assert first == "Last 14 days"
    days = page.locator("table").filter(has_text="Points per day")
    page.get_by_text("Show the data as a table").first.click()
    assert days.locator("tbody tr").count() == 14
    last_day = days.locator("tbody tr").last.locator("td")
    today = _today(stack)
    reported = stack.ok("GET", f"/v1/admin/reports/kpis?from={today}&to={today}")
    assert last_day.nth(1).inner_text() == f"{reported['points_issued']:,}"
    assert last_day.nth(2).inner_text() == f"{reported['points_redeemed']:,}"
    assert reported["points_issued"] >= 59
    # The tier chart is the distribution of the period's KPI report (as of today), not the tier ladder.
    period = stack.ok("GET", f"/v1/admin/reports/kpis?from={days_ago(today, 13)}&to={today}")
    drawn = page.evaluate(
        """() => { const data = Chart.getChart(document.getElementById("chart-tiers")).data;
                  return data.labels.map((tier, i) => ({ tier, members: data.datasets[0].data[i] })); }"""
    )
    assert drawn == period["members_by_tier"]
    assert [row["tier"] for row in drawn][:3] == ["Bronze", "Silver", "Gold"]
    assert sum(row["members"] for row in drawn) >= 1
    console.screenshot("dashboard")
    assert not _problems(console), console.errors


def test_find_a_member_by_email_and_adjust_points(console: Console) -> None:
    console.sign_in(route="/members", heading="Members")
    page = console.page
    page.get_by_label("Member id or email").fill(MEMBER_EMAIL.upper())
    page.get_by_role("button", name="Find").click()
    page.get_by_role("heading", name=f"Member {MEMBER_ID}").wait_for()
    assert MEMBER_EMAIL.lower() not in page.url.lower()  # the email never goes into the console's URL
    available = page.locator('[data-field="Available points"]')
    available.wait_for()
    before = int(available.inner_text().replace(",", ""))
    assert page.locator('[data-field="Tier"]').inner_text().startswith("Bronze")
    page.get_by_role("table", name=re.compile("Vouchers")).wait_for()

    page.get_by_label("Points", exact=True).fill("250")
    page.get_by_label("Reason").fill("goodwill: late parcel")
    page.get_by_role("button", name="Adjust points").click()
    page.get_by_text(f"the balance is now {before + 250:,}").wait_for()
    page.wait_for_function(
        "expected => document.querySelector('[data-field=\"Available points\"]')?.textContent === expected",
        arg=f"{before + 250:,}",
    )
    activity = page.get_by_role("table", name=re.compile("Ledger entries"))
    assert "goodwill: late parcel" in activity.locator("tbody tr").first.inner_text()

    # Cancelling the voucher gives its 10 points back (the confirm dialog is accepted by the fixture).
    vouchers = page.get_by_role("table", name=re.compile("Vouchers"))
    vouchers.get_by_role("button", name=re.compile("Cancel voucher")).click()
    vouchers.get_by_role("cell", name="cancelled").wait_for()
    page.wait_for_function(
        "expected => document.querySelector('[data-field=\"Available points\"]')?.textContent === expected",
        arg=f"{before + 260:,}",
    )
    console.screenshot("member")
    assert not _problems(console), console.errors


def test_an_unknown_member_id_says_so(console: Console) -> None:
    console.sign_in(route="/members", heading="Members")
    console.page.get_by_label("Member id or email").fill("nobody-here")
    console.page.get_by_role("button", name="Find").click()
    assert console.page.get_by_role("alert").inner_text() == "No member has this id."


def test_create_a_reward_and_see_it_in_the_catalog(console: Console, stack: Stack) -> None:
    console.sign_in(route="/rewards", heading="Rewards")
    page = console.page
    page.get_by_label("Reward id").fill("tote-bag")
    page.get_by_label("Name").fill("Tote bag")
    page.get_by_label("Kind").select_option("discount_fixed")
    page.get_by_label("Cost (points)").fill("300")
    page.get_by_label(re.compile(r"^Value")).fill("1500")
    page.get_by_label("Stock").fill("25")
    page.get_by_role("button", name="Create reward").click()
    page.get_by_text("Saved reward tote-bag (25 in stock).").wait_for()
    row = page.get_by_role("row").filter(has_text="Tote bag")
    row.wait_for()
    assert "$15.00" in row.inner_text() and "25" in row.inner_text()
    status, reward = stack.call("GET", "/v1/rewards/tote-bag")
    assert status == 200 and reward["stock_remaining"] == 25 and reward["value_minor"] == 1500
    console.screenshot("rewards")


def test_the_program_form_shows_422_errors_next_to_their_fields(console: Console, stack: Stack) -> None:
    console.sign_in(route="/program", heading="Program")
    page = console.page
    page.get_by_label("Pending days").fill("-1")
    page.get_by_label("Tier 2 multiplier").fill("-3")
    page.get_by_role("button", name="Save program").click()
    pending = page.get_by_label("Pending days")
    pending.and_(page.locator("[aria-invalid=true]")).wait_for()
    # The message sits in the field's own error element, which the input names in aria-describedby.
    message = page.locator(f"#{pending.get_attribute('id')}-error")
    assert message.is_visible() and "greater than or equal to 0" in message.inner_text()
    assert page.get_by_label("Tier 2 multiplier").get_attribute("aria-invalid") == "true"
    assert "The API refused this" in page.get_by_role("alert").first.inner_text()
    assert stack.ok("GET", "/v1/admin/program")["pending_days"] == 0  # nothing was stored
    console.screenshot("program-422")


@pytest.mark.parametrize(
    ("route", "heading"),
    [("/keys", "API keys"), ("/webhooks", "Webhooks"), ("/imports", "Imports"), ("/members", "Members")],
)
def test_every_page_loads_under_the_security_policy(console: Console, route: str, heading: str) -> None:
    console.sign_in(route=route, heading=heading)
    console.page.wait_for_load_state("networkidle")
    assert console.page.get_by_role("alert").count() == 0
    console.screenshot(route.strip("/"))
    assert not _problems(console), console.errors


def test_webhook_and_import_pages_talk_to_the_api(console: Console, stack: Stack, tmp_path: Path) -> None:
    earned = (datetime.now(UTC) - timedelta(days=3)).date().isoformat()
    console.sign_in(route="/webhooks", heading="Webhooks")
    page = console.page
    page.get_by_label("Webhook id", exact=True).first.fill("crm")
    page.get_by_label("URL").fill("http://127.0.0.1:9/loyalty")  # the local stack takes loopback http
    page.get_by_role("button", name="Save webhook").click()
    page.get_by_text("signing secret is shown once").wait_for()
    assert page.locator("code.secret").inner_text().startswith("whsec_")
    page.get_by_role("button", name="Deliveries", exact=True).click()
    page.get_by_role("heading", name="Deliveries of crm").wait_for()

    console.go("/imports", "Imports")
    members = tmp_path / "members.jsonl"
    lines = [
        {
            "member_id": "m-imported-1",
            "email": "imported.one@example.com",
            "lots": [{"points": 120, "earned_on": earned}],
        },
        {
            "member_id": "m-imported-2",
            "email": "imported.two@example.com",
            "lots": [{"points": 30, "earned_on": earned}],
        },
        {"member_id": MEMBER_ID, "email": "someone.else@example.com", "lots": []},  # exists: rejected
    ]
    members.write_text("".join(json.dumps(line) + "\n" for line in lines))
    page.get_by_label("Import id").first.fill("console-import-1")
    page.get_by_label("Members file").set_input_files(members)
    page.get_by_role("button", name="Start import").click()
    # The page uploads the file itself, to the local S3 endpoint, and follows the import to its end.
    page.get_by_role("status").filter(has_text="Uploaded members.jsonl").wait_for(timeout=30_000)
    page.get_by_role("heading", name=re.compile("Import console-import-1: (done|failed)")).wait_for(timeout=60_000)
    assert page.get_by_role("heading", name="Import console-import-1: done").is_visible(), page.locator(
        "main"
    ).inner_text()
    assert page.get_by_text("3 of 3 lines (2 imported, 1 rejected)").is_visible()
    assert page.locator("table").filter(has_text="Rejected lines").get_by_role("row").count() == 2
    assert stack.ok("GET", "/v1/members/m-imported-1")["points"]["available"] == 120
    [upload] = [url for url in console.requested if "/imports/console-import-1" in url and "X-Amz-Signature" in url]
    assert not upload.startswith(stack.api)
    assert page.locator("code.secret").count() == 0
    assert not _problems(console), console.errors


def test_the_key_stays_out_of_local_storage_cookies_and_urls(console: Console) -> None:
    console.sign_in(route="/members", heading="Members")
    for route, heading in (("/rewards", "Rewards"), ("/keys", "API keys")):
        console.go(route, heading)
    console.go(f"/members/{MEMBER_ID}", f"Member {MEMBER_ID}")
    console.page.wait_for_load_state("networkidle")
    page = console.page
    # Positive control: the key is where it should be, so the searches below look at a signed-in tab.
    assert page.evaluate("() => Object.values(sessionStorage)").count(ADMIN_KEY) == 1
    assert ADMIN_KEY not in page.evaluate("() => JSON.stringify(Object.entries(localStorage))")
    assert ADMIN_KEY not in page.evaluate("() => document.cookie")
    assert not page.context.cookies()
    assert len(console.requested) > 10
    leaked = [url for url in [*console.requested, page.url] if ADMIN_KEY in url]
    assert not leaked


def test_a_revoked_key_returns_to_sign_in(console: Console, stack: Stack) -> None:
    console.sign_in(route="/keys", heading="API keys")
    page = console.page
    page.get_by_label("Scope").select_option("admin")
    page.get_by_label("Label").fill("temporary admin")
    page.get_by_role("button", name="Issue key").click()
    issued = page.locator("#new-key").inner_text()
    assert issued.startswith("lk_")
    assert issued not in page.evaluate("() => JSON.stringify(Object.entries(sessionStorage))")  # shown, not kept
    key_id = page.get_by_role("row").filter(has_text="temporary admin").locator("td").first.inner_text()

    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("heading", name="Sign in").wait_for()
    console.sign_in(issued, route="/members", heading="Members")
    assert stack.call("DELETE", f"/v1/admin/keys/{key_id}")[0] == 204

    console.page.evaluate("() => { window.location.hash = '#/rewards'; }")
    page.get_by_role("heading", name="Sign in").wait_for()
    assert "Sign in again" in page.get_by_role("alert").inner_text()
    assert page.evaluate("() => sessionStorage.length") == 0  # the key and what the session remembered
    console.screenshot("signed-out")


def test_a_storefront_key_is_refused_at_sign_in(console: Console, stack: Stack) -> None:
    storefront = stack.ok("POST", "/v1/admin/keys", {"scope": "storefront", "label": "pos"})["key"]
    console.open("/signin")
    console.page.get_by_label("Admin key").fill(storefront)
    console.page.get_by_role("button", name="Sign in").click()
    assert "refused" in console.page.get_by_role("alert").inner_text()
    assert console.page.evaluate("() => sessionStorage.length") == 0


def test_keyboard_only_use_and_a_tablet_layout(console: Console) -> None:
    page = console.page
    page.set_viewport_size({"width": 768, "height": 1024})
    console.sign_in(route="/members", heading="Members")
    # After each route the page's title has focus (a screen reader announces the new page)...
    assert page.evaluate("() => document.activeElement.id") == "page-title"
    # ...and the keyboard alone finds a member: Tab to the search field, type, Enter.
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.labels[0].textContent") == "Member id or email"
    page.keyboard.type(MEMBER_ID)
    page.keyboard.press("Enter")
    page.get_by_role("heading", name=f"Member {MEMBER_ID}").wait_for()
    # The skip link, first in the tab order, shows itself when focused and moves focus past the navigation.
    skip = page.get_by_role("link", name="Skip to content")
    skip.focus()
    assert page.evaluate("() => document.activeElement.textContent") == "Skip to content"
    box = skip.bounding_box()
    assert box is not None and box["x"] >= 0
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
    page.get_by_role("table", name=re.compile("Ledger entries")).wait_for()
    # Nothing wider than a tablet held upright: no sideways scrolling of the page.
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    console.screenshot("member-tablet")


def test_tier_perks_and_a_reward_s_early_access_are_edited_and_kept(console: Console, stack: Stack) -> None:
    console.sign_in(route="/program", heading="Program")
    page = console.page
    tiers = stack.ok("GET", "/v1/admin/program")["tiers"]
    perk = '[{"perk_id": "ship", "kind": "free_shipping", "label": "Free shipping"}]'
    page.get_by_label("Tier 2 perks (JSON)").fill(perk)
    page.get_by_role("button", name="Save program").click()
    page.get_by_text("Program saved.").wait_for()
    saved = stack.ok("GET", "/v1/admin/program")["tiers"]
    assert saved[1]["perks"] == [{"perk_id": "ship", "kind": "free_shipping", "label": "Free shipping", "value": None}]
    assert [tier["name"] for tier in saved] == [tier["name"] for tier in tiers]
    console.go("/rewards", "Rewards")
    page.get_by_label("Reward id").fill("preview")
    page.get_by_label("Name").fill("Preview")
    page.get_by_label("Kind").select_option("voucher")
    page.get_by_label("Cost (points)").fill("10")
    page.get_by_label(re.compile(r"^Value")).fill("500")
    page.get_by_label("Available from").fill("2030-01-10T09:00")
    page.get_by_label("Early access tier").select_option(saved[1]["name"])
    page.get_by_label("Early access from").fill("2030-01-05T09:00")
    page.get_by_role("button", name="Create reward").click()
    page.get_by_text("Saved reward preview").wait_for()
    reward = stack.ok("GET", "/v1/rewards/preview")
    assert [entry["tier"] for entry in reward["early_access"]] == [saved[1]["name"]]
    assert reward["early_access"][0]["from"] < reward["available_from"]
