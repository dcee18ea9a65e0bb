"""<loyalty-panel> shows a member's perks and paid memberships, and says when a reward in early access
opens to the member: chromium on the demo shop page (conftest.py's stack and program)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.browser.widget.conftest import Shop, member
from tests.stack_process import Stack


def _text(locator: Any) -> str:
    return re.sub(r"\s+", " ", locator.inner_text().replace("\u00a0", " ").replace("\u202f", " ")).strip()


def _at(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def test_perks_memberships_and_early_access_show_for_each_member(shop: Shop, stack: Stack) -> None:
    now = datetime.now(UTC)
    stack.ok("POST", "/v1/members", {"member_id": "demo-hal", "email": "hal@shop.example", "name": "Hal"})
    line = {"sku": "PLUS-1M", "category": "memberships", "quantity": 1, "unit_price_minor": 9_00}
    order = {
        "order_id": "demo-hal-plus",
        "member_id": "demo-hal",
        "currency": "EUR",
        "placed_at": _at(now),
        "lines": [line],
    }
    stack.ok("POST", "/v1/orders", order)
    opens = now + timedelta(days=3)
    preview = {
        "name": "Preview sale",
        "kind": "voucher",
        "cost_points": 5,
        "available_from": _at(opens),
        "early_access": [{"tier": "Gold", "from": _at(now - timedelta(days=1))}],
    }
    stack.ok("PUT", "/v1/admin/rewards/preview", preview)
    try:
        shop.open("demo-hal")
        hal = member(stack, "demo-hal")
        panel = shop.panel
        assert _text(panel.locator("[part=tier]")) == hal["tier"]["name"] == "Gold"  # its membership's floor
        card = _text(panel.locator("[part=tier-card]"))
        assert "Your perks" in card and "10% off" in card and "Free shipping" in card
        until = datetime.fromisoformat(hal["memberships"][0]["until"])
        assert (
            _text(panel.locator("[part=membership]")) == f"plus membership until {until:%b} {until.day}, {until.year}"
        )
        mine = panel.locator("[data-reward=preview]")
        assert _text(mine.locator("[part=early]")) == "Early access"
        assert mine.locator("[part=redeem]").count() == 1
        # A Silver member sees when it opens to everyone, and no redeem button before then.
        shop.open("demo-fay")
        theirs = shop.panel.locator("[data-reward=preview]")
        assert _text(theirs.locator("[part=opens]")) == f"Yours from {opens:%b} {opens.day}, {opens.year}"
        assert theirs.locator("[part=redeem]").count() == 0
        assert not shop.problems(), shop.errors
    finally:
        stack.ok("PUT", "/v1/admin/rewards/preview", {**preview, "active": False})  # the other tests' catalog
