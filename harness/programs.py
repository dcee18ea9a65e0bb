"""Program documents used across suites: one realistic program, built fresh each call."""

from __future__ import annotations

from typing import Any


def program_document(**overrides: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "currency": "USD",
        "timezone": "America/New_York",
        "points_per_unit": "1",
        "category_multipliers": {"electronics": 2},
        "sku_multipliers": {"SKU-GIFTCARD": 0.5},
        "excluded_categories": ["tobacco"],
        "campaigns": [],
        "pending_days": 0,
        "expiry_months": 12,
        "tier_window_days": 365,
        "tiers": [
            {"name": "Bronze", "threshold": 0, "multiplier": 1},
            {"name": "Silver", "threshold": 1000, "multiplier": 1.25},
            {"name": "Gold", "threshold": 5000, "multiplier": 1.5},
        ],
        "point_value_minor": 1,
        # Suites place orders anywhere in 2026 (their clock: tests/conftest.py TEST_NOW); the 30-day
        # default has its own tests (tests/service/handlers/test_trust.py).
        "max_order_age_days": 365,
        "emails": {
            "sender": "loyalty@example.com",
            "expiring_notice_days": 14,
            "dormant_after_days": 90,
            "dormant_min_points": 100,
            "cooldown_days": 7,
        },
    }
    document.update(overrides)
    return document


# Engagement beyond points (docs/engagement.md): a perk of Gold's, and a one-month paid membership
# sold as PLUS-1M that holds Gold and ships free.
FREE_SHIPPING = {"perk_id": "ship", "kind": "free_shipping", "label": "Free shipping"}
GOLD_DISCOUNT = {"perk_id": "gold-10", "kind": "discount_percent", "label": "10% off", "value": 10}
PLUS = {
    "membership_id": "plus",
    "label": "Plus",
    "sku": "PLUS-1M",
    "months": 1,
    "tier": "Gold",
    "perks": [FREE_SHIPPING],
}


def engaged_document(**overrides: Any) -> dict[str, Any]:
    """The program with GOLD_DISCOUNT on Gold and the PLUS membership."""
    tiers = [
        {"name": "Bronze", "threshold": 0, "multiplier": 1},
        {"name": "Silver", "threshold": 1000, "multiplier": 1.25},
        {"name": "Gold", "threshold": 5000, "multiplier": 1.5, "perks": [GOLD_DISCOUNT]},
    ]
    return program_document(**{"tiers": tiers, "memberships": [PLUS], **overrides})
