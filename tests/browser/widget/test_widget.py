"""<loyalty-panel> on the demo shop page, in chromium, against the local stack (its conftest.py)."""

from __future__ import annotations

import base64
import json
import os
import re
import time
from pathlib import Path
from typing import Any

from local.template import ROOT
from tests.browser.widget.conftest import Shop, member
from tests.stack_process import Stack

# The docs' copies are rewritten only when asked (UPDATE_SCREENSHOTS=1), so a test run leaves the tree clean.
HERE = Path(__file__).resolve().parent
DOCS_IMAGES = ROOT / "docs" / "img" if os.environ.get("UPDATE_SCREENSHOTS") == "1" else HERE / "screenshots"
DEEP_FOCUS = """() => {
  let active = document.activeElement;
  while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
  return active ? (active.getAttribute("aria-label") || active.textContent.trim()) : null;
}"""


def _text(locator: Any) -> str:
    """What a reader sees, with the no-break spaces Intl puts in money ("12,50 €") as plain spaces."""
    return re.sub(r"\s+", " ", locator.inner_text().replace("\u00a0", " ").replace("\u202f", " ")).strip()


def _redemptions(stack: Stack, member_id: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = stack.ok("GET", f"/v1/members/{member_id}/redemptions?limit=100")["items"]
    return items


def test_the_panel_shows_the_balance_its_value_the_tier_and_ways_to_earn(shop: Shop, stack: Stack) -> None:
    shop.open("demo-fay")
    fay = member(stack, "demo-fay")
    available = fay["points"]["available"]
    assert available > 1000  # 700 euros of books under the winter campaign, and the signup bonus
    panel = shop.panel
    assert _text(panel.locator("[part=balance]")) == f"{available:,} points"
    # point_value_minor is 1 cent: the value is the balance in cents, in euros, in the reader's language.
    assert _text(panel.locator("[part=value]")) == f"Worth €{available // 100:,}.{available % 100:02d}"
    assert _text(panel.locator("[part=tier]")) == fay["tier"]["name"] == "Silver"
    needed = fay["next_tier"]["points_needed"]
    assert f"{needed:,} points more to reach Gold" in _text(panel.locator("[part=tier-card]"))
    bar = panel.get_by_role("progressbar", name="Progress to Gold")
    assert int(bar.get_attribute("aria-valuemax")) - int(bar.get_attribute("aria-valuenow")) == needed
    expiring = fay["expiring"][0]
    assert f"{expiring['points']:,} points expire on" in _text(panel.locator("[part=expiry]"))
    # Rewards: the affordable ones first (cheapest first), then what is missing for the others.
    names = [_text(item.locator(".reward-name")) for item in panel.locator("[part=reward]").all()]
    assert names == ["Free coffee", "Five euros off", "Canvas tote"]
    assert f"{5000 - available:,} points more needed" in _text(panel.locator("[data-reward=tote]"))
    assert "€5.00 off" in _text(panel.locator("[data-reward=five-off]"))
    shop.open_sections()
    earn = _text(panel.locator("details[data-section=earn]"))
    assert "1 point for every €1.00 you spend" in earn and "2\u00d7 points" in earn  # the multiplication sign
    assert _text(panel.locator("details[data-section=referral] code")) == fay["referral_code"]
    assert "loyalty:ready demo-fay" in _text(shop.page.locator("#events"))
    assert not shop.problems(), shop.errors


def test_redeeming_a_reward_shows_its_voucher_code_and_lowers_the_balance(shop: Shop, stack: Stack) -> None:
    shop.page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=shop.origin)
    shop.open("demo-ben")
    before = member(stack, "demo-ben")["points"]["available"]
    panel = shop.panel
    panel.get_by_role("button", name="Redeem Free coffee for 100 points").click()
    assert _text(panel.locator("[part=confirm] p")) == "Redeem Free coffee for 100 points?"
    panel.get_by_role("button", name="Yes, redeem").click()
    code = panel.locator("[part=voucher] code")
    code.wait_for()
    [redemption] = _redemptions(stack, "demo-ben")
    assert _text(code) == redemption["code"] and redemption["points_spent"] == 100
    assert _text(panel.locator("[part=voucher] p").first) == "Your code for Free coffee"
    assert member(stack, "demo-ben")["points"]["available"] == before - 100
    assert _text(panel.locator("[part=balance]")) == f"{before - 100:,} points"
    # The result has the focus (a screen reader reads it), and its code goes to the clipboard.
    assert shop.page.evaluate(DEEP_FOCUS).startswith("Your code for Free coffee")
    panel.get_by_role("button", name="Copy code").click()
    assert shop.page.evaluate("() => navigator.clipboard.readText()") == redemption["code"]
    assert f"loyalty:redeemed Free coffee: {redemption['code']}" in _text(shop.page.locator("#events"))
    assert not shop.problems(), shop.errors


def test_a_retry_or_a_double_click_sends_one_redemption_id_and_redeems_once(shop: Shop, stack: Stack) -> None:
    shop.open("demo-cy")
    before = member(stack, "demo-cy")["points"]["available"]
    panel = shop.panel
    lost = []

    def lose_the_first_answer(route: Any) -> None:
        # The request reaches the real stack, which redeems; its answer never reaches the page.
        if route.request.method == "POST" and not lost:
            lost.append(route.fetch().status)
            route.abort("connectionreset")
        else:
            route.continue_()

    shop.page.route(f"{stack.api}/v1/me/redemptions", lose_the_first_answer)
    panel.get_by_role("button", name="Redeem Free coffee for 100 points").click()
    panel.get_by_role("button", name="Yes, redeem").click()
    panel.get_by_role("alert").filter(has_text="could not be reached").wait_for()
    assert lost == [201] and len(_redemptions(stack, "demo-cy")) == 1  # redeemed, though the page never heard
    panel.get_by_role("button", name="Try again").click()
    panel.locator("[part=voucher] code").wait_for()
    posts = [json.loads(body or "{}") for _, _, body in shop.api_calls("/v1/me/redemptions", "POST")]
    assert len(posts) == 2 and posts[0] == posts[1] and posts[0]["reward_id"] == "coffee"
    [redemption] = _redemptions(stack, "demo-cy")
    assert redemption["redemption_id"] == posts[0]["redemption_id"]
    assert _text(panel.locator("[part=voucher] code")) == redemption["code"]
    assert member(stack, "demo-cy")["points"]["available"] == before - 100
    assert _text(panel.locator("[part=balance]")) == f"{before - 100:,} points"

    # A new intent, confirmed with a double click: the second click lands while the first is on its way.
    panel.get_by_role("button", name="Redeem Free coffee for 100 points").click()
    panel.get_by_role("button", name="Yes, redeem").dblclick()
    shop.page.wait_for_function(
        "count => document.querySelector('loyalty-panel').shadowRoot.querySelector('[part=balance]')"
        ".textContent === count",
        arg=f"{before - 200:,} points",
    )
    assert len(shop.api_calls("/v1/me/redemptions", "POST")) == 3
    assert len(_redemptions(stack, "demo-cy")) == 2
    assert member(stack, "demo-cy")["points"]["available"] == before - 200


def test_an_expired_token_is_replaced_through_the_token_provider_without_a_reload(shop: Shop, stack: Stack) -> None:
    shop.open("demo-dee", ttl=60)  # the shortest a member token may live
    opened = time.monotonic()
    page = shop.page
    assert page.locator("#token-count").inner_text() == "1"
    page.evaluate("() => { window.stillTheSamePage = true; }")
    time.sleep(max(0.0, opened + 62 - time.monotonic()))  # the token was minted before the page showed it
    shop.panel.locator("details[data-section=activity] > summary").click()
    shop.panel.locator("details[data-section=activity] li").first.wait_for()
    activity = [status for status, url in shop.responses if url.split("?")[0].endswith("/v1/me/activity")]
    assert activity == [401, 200]  # token_expired, then the same request with the provider's new token
    assert page.locator("#token-count").inner_text() == "2"
    assert page.evaluate("() => window.stillTheSamePage") is True
    assert len(shop.api_calls("/widget/demo/token", "POST")) == 2
    assert not shop.problems(), shop.errors


def test_lang_de_speaks_german_and_shows_euros_the_german_way(shop: Shop, stack: Stack) -> None:
    shop.open("demo-fay", lang="de")
    available = member(stack, "demo-fay")["points"]["available"]
    panel = shop.panel
    german = f"{available:,}".replace(",", ".")
    assert _text(panel.locator("h2")) == "Ihre Prämien"
    assert _text(panel.locator("[part=balance]")) == f"{german} Punkte"
    assert _text(panel.locator("[part=value]")) == f"Im Wert von {available // 100},{available % 100:02d} €"
    assert _text(panel.locator("[data-reward=five-off]")).startswith("Five euros off 5,00 € Rabatt")
    assert panel.get_by_role("button", name="Free coffee für 100 Punkte einlösen").is_visible()
    panel.locator("details[data-section=activity] > summary").click()
    assert _text(panel.locator("details[data-section=activity] li").first).startswith("Einkauf")
    assert panel.locator("[lang=de]").count() == 1  # a screen reader reads it as German


def test_activity_pages_with_show_more(shop: Shop, stack: Stack) -> None:
    shop.open("demo-ada")
    entries = stack.ok("GET", "/v1/members/demo-ada/activity?limit=100")["items"]
    assert len(entries) > 10  # twelve orders and the signup bonus
    activity = shop.panel.locator("details[data-section=activity]")
    activity.locator("summary").click()
    activity.locator("li").nth(9).wait_for()
    assert activity.locator("li").count() == 10
    activity.get_by_role("button", name="Show more").click()
    activity.locator("li").nth(len(entries) - 1).wait_for()
    assert activity.locator("li").count() == len(entries)
    assert activity.get_by_role("button", name="Show more").count() == 0
    first = entries[-1]  # oldest last: the signup bonus
    assert _text(activity.locator("li").last).startswith("Bonus") and first["kind"] == "bonus"


def test_keyboard_only_use_reaches_the_redeem_button_and_redeems(shop: Shop, stack: Stack) -> None:
    shop.open("demo-eve")
    page = shop.page
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate(DEEP_FOCUS) == "Redeem Free coffee for 100 points":
            break
    else:
        raise AssertionError("Tab never reached the first reward's Redeem button")
    page.keyboard.press("Enter")
    assert page.evaluate(DEEP_FOCUS) == "Yes, redeem"
    page.keyboard.press("Tab")
    assert page.evaluate(DEEP_FOCUS) == "Cancel"
    page.keyboard.press("Enter")  # cancelled: back on the button that opened it
    assert page.evaluate(DEEP_FOCUS) == "Redeem Free coffee for 100 points"
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")  # cancelled too
    assert page.evaluate(DEEP_FOCUS) == "Redeem Free coffee for 100 points"
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    shop.panel.locator("[part=voucher] code").wait_for()
    assert page.evaluate(DEEP_FOCUS).startswith("Your code for Free coffee")
    page.keyboard.press("Tab")
    assert page.evaluate(DEEP_FOCUS) == "Copy code"
    assert len(_redemptions(stack, "demo-eve")) == 1


def test_axe_finds_no_violation(shop: Shop, stack: Stack) -> None:
    shop.open("demo-fay")
    shop.open_sections()
    panel = shop.panel
    panel.get_by_role("button", name="Redeem Five euros off for 400 points").click()
    panel.get_by_role("button", name="Yes, redeem").click()
    panel.locator("[part=voucher] code").wait_for()
    panel.get_by_role("button", name="Redeem Free coffee for 100 points").click()  # a confirmation open too
    shop.page.evaluate((ROOT / "node_modules" / "axe-core" / "axe.min.js").read_text())
    violations = shop.page.evaluate(
        """async () => (await axe.run(document, { resultTypes: ["violations"] })).violations
             .map((v) => ({ id: v.id, help: v.help, nodes: v.nodes.map((n) => n.target) }))"""
    )
    assert violations == []


def test_the_page_loads_under_a_strict_csp_and_requests_nothing_but_the_widget_and_the_api(
    shop: Shop, stack: Stack
) -> None:
    answer = shop.page.request.get(f"{shop.origin}/widget/demo.html")
    csp = {part.split()[0]: part.split()[1:] for part in answer.headers["content-security-policy"].split("; ") if part}
    assert csp["script-src"] == [stack.api] and csp["connect-src"] == [stack.api]
    assert csp["default-src"] == ["'none'"] and "'unsafe-inline'" not in answer.headers["content-security-policy"]
    shop.requests.clear()
    shop.open("demo-ada")
    shop.open_sections()
    assert shop.origin != stack.api  # the shop is another origin than the widget and the API
    [(_, page, _)] = [call for call in shop.requests if call[1].startswith(shop.origin)]
    assert page.startswith(f"{shop.origin}/widget/demo.html")
    others = [url for _, url, _ in shop.requests if not url.startswith(shop.origin)]
    assert others and all(url.startswith(stack.api + "/") for url in others), others
    paths = {url.removeprefix(stack.api).split("?")[0] for url in others}
    assert {"/widget/loyalty.js", "/widget/demo.js", "/v1/me", "/v1/me/rewards", "/widget/demo/token"} <= paths
    assert all(path.startswith(("/v1/me", "/widget/")) for path in paths), paths
    assert not shop.problems(), shop.errors  # a CSP violation would be logged as an error


def _decode_qr(shop: Shop, png: bytes) -> str | None:
    """jsQR (pinned in package.json) reads the picture in a blank page of the same browser."""
    reader = shop.page.context.new_page()
    reader.add_script_tag(content=(ROOT / "node_modules" / "jsqr" / "dist" / "jsQR.js").read_text())
    decoded: str | None = reader.evaluate(
        """async (png) => {
          const image = new Image();
          image.src = `data:image/png;base64,${png}`;
          await image.decode();
          const canvas = document.createElement("canvas");
          canvas.width = image.width;
          canvas.height = image.height;
          const context = canvas.getContext("2d");
          context.drawImage(image, 0, 0);
          const pixels = context.getImageData(0, 0, image.width, image.height);
          return jsQR(pixels.data, image.width, image.height)?.data ?? null;
        }""",
        base64.b64encode(png).decode(),
    )
    reader.close()
    return decoded


def test_the_member_card_is_a_qr_code_a_point_of_sale_finds_the_member_by(shop: Shop, stack: Stack) -> None:
    shop.open("demo-ada")
    card = shop.panel.locator("details[data-section=card]")
    card.locator("summary").click()
    qr = card.get_by_role("img", name=re.compile("QR code of your member card"))
    scanned = _decode_qr(shop, qr.screenshot())
    assert scanned is not None and scanned != "demo-ada"  # the card code, never the member id
    assert stack.ok("GET", f"/v1/cards/{scanned}")["member_id"] == "demo-ada"  # what the till does with it
    assert _text(card.locator("[part=card-code]")).replace(" ", "") == scanned  # the same code, typed by hand


def test_screenshots_of_the_demo_page_in_each_locale(shop: Shop) -> None:
    """docs/shop.md shows these (docs/img/widget-demo-<lang>.png: `UPDATE_SCREENSHOTS=1` writes them there)."""
    titles = {"en": "Your rewards", "de": "Ihre Prämien", "fr": "Vos récompenses", "es": "Tus recompensas"}
    DOCS_IMAGES.mkdir(exist_ok=True)
    for lang, title in titles.items():
        shop.open("demo-gus", lang=lang)
        shop.open_sections()
        assert _text(shop.panel.locator("h2")) == title
        shop.page.screenshot(path=str(Path(DOCS_IMAGES / f"widget-demo-{lang}.png")), full_page=True)
    assert not shop.problems(), shop.errors
