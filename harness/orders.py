"""Order documents as a storefront posts them (POST /v1/orders, or an order.completed message)."""

from __future__ import annotations

from typing import Any

PLACED_AT = "2026-11-22T10:00:00Z"  # within max_order_age_days of the tests' clock (tests/conftest.py TEST_NOW)


def line(price_minor: int, sku: str = "A", category: str = "shoes", quantity: int = 1) -> dict[str, Any]:
    return {"sku": sku, "category": category, "quantity": quantity, "unit_price_minor": price_minor}


def order_document(
    order_id: str,
    member_id: str = "m-1",
    price_minor: int = 1_000,
    *,
    sku: str = "A",
    placed_at: str = PLACED_AT,
    lines: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """An order in USD of one line (``price_minor``, one ``sku`` in shoes) unless ``lines`` are given."""
    return {
        "order_id": order_id,
        "member_id": member_id,
        "currency": "USD",
        "placed_at": placed_at,
        "lines": lines if lines is not None else [line(price_minor, sku)],
        **extra,
    }
