"""What Shopify and WooCommerce orders and refunds have in common once mapped: our order lines."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from loyalty.models.order import OrderLineIn

DEFAULT_CATEGORY = "uncategorized"
MAX_LABEL = 64


@dataclass(frozen=True)
class Customer:
    """Who bought, as the platform knows them (customer_id None for a guest checkout)."""

    customer_id: str | None
    email: str | None
    name: str | None


def label(text: str) -> str:
    """A SKU or category as our 64-character label: long ones keep a readable head and a hash tail."""
    if len(text) <= MAX_LABEL:
        return text
    return text[: MAX_LABEL - 17] + "~" + hashlib.sha256(text.encode()).hexdigest()[:16]


def sku_of(sku: str | None, variant_id: str | None, product_id: str | None, line_id: str | None) -> str:
    """The line's SKU, else a stable stand-in from the platform's variant, product or line id."""
    if sku and sku.strip():
        return label(sku.strip())
    for prefix, value in (("variant", variant_id), ("product", product_id), ("line", line_id)):
        if value and value != "0":
            return label(f"{prefix}:{value}")
    return "unknown"


def category_of(sku: str, category_by_sku: dict[str, str]) -> str:
    return label(category_by_sku.get(sku, DEFAULT_CATEGORY))


def full_name(first: str | None, last: str | None) -> str | None:
    name = " ".join(part.strip() for part in (first, last) if part and part.strip())
    return name[:200] or None


def split_amount(amount: int, quantity: int) -> list[tuple[int, int]]:
    """(quantity, unit price) pairs with exactly ``amount`` in all: 10.00 for 3 -> 2 x 3.33 and 1 x 3.34."""
    unit, rest = divmod(amount, quantity)
    parts = [(quantity - rest, unit), (rest, unit + 1)]
    return [(q, price) for q, price in parts if q > 0]


def merged(lines: list[OrderLineIn]) -> list[OrderLineIn]:
    """One line per (sku, category, unit price), quantities and discounts added up. A platform lists a
    personalised product once per item (a Shopify order of 250 lines that differ only by their
    properties) and our order takes at most 100 lines; the points are the same, counted over the
    whole order, and a refund by SKU finds the line it names."""
    by_kind: dict[tuple[str, str, int], OrderLineIn] = {}
    for line in lines:
        kind = (line.sku, line.category, line.unit_price_minor)
        before = by_kind.get(kind)
        by_kind[kind] = (
            line
            if before is None
            else before.model_copy(
                update={
                    "quantity": before.quantity + line.quantity,
                    "discount_minor": before.discount_minor + line.discount_minor,
                }
            )
        )
    return list(by_kind.values())
