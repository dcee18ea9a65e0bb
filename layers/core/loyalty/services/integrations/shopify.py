"""Shopify's ``orders/paid`` and ``refunds/create`` webhooks, mapped onto our order and refund requests.

- The order id becomes ``shopify:<id>``, the refund id ``shopify:<id>``; ids are read as text.
- Money strings become minor units by the currency's exponent, exactly (no float on the way).
- ``discount_allocations`` (every discount Shopify applied, order-level ones included, already
  allocated to lines) become each line's ``discount_minor``; the order discount is then 0, so nothing
  is counted twice. Shipping, tax and tips earn nothing.
- ``processed_at`` (else ``created_at``) becomes ``placed_at``. Gift-card lines are skipped (buying a
  gift card is not a purchase yet), on the order and on its refunds alike.
- A refund with ``refund_line_items`` refunds those lines; one without (an amount given back) refunds
  the sum of its successful ``refund`` transactions.
"""

from __future__ import annotations

from datetime import datetime

from loyalty.domain.money import to_minor
from loyalty.models.integrations import ShopifyOrder, ShopifyRefund
from loyalty.models.order import OrderLineIn, OrderRequest, RefundLineIn, RefundRequest
from loyalty.services.integrations.mapping import Customer, category_of, full_name, merged, sku_of

PREFIX = "shopify:"


def customer(order: ShopifyOrder) -> Customer:
    buyer = order.customer
    email = (buyer.email if buyer and buyer.email else order.email) or None
    return Customer(
        customer_id=buyer.id if buyer and buyer.id else None,
        email=email,
        name=full_name(buyer.first_name, buyer.last_name) if buyer else None,
    )


def order_request(order: ShopifyOrder, member_id: str, category_by_sku: dict[str, str]) -> OrderRequest | None:
    """Our order for a paid Shopify order; None when no line earns (only gift cards, say)."""
    lines = []
    for item in order.line_items:
        if item.gift_card or item.quantity <= 0:
            continue
        sku = sku_of(item.sku, item.variant_id, item.product_id, item.id)
        unit = to_minor(item.price, order.currency)
        discount = sum(to_minor(allocation.amount, order.currency) for allocation in item.discount_allocations)
        lines.append(
            OrderLineIn(
                sku=sku,
                category=category_of(sku, category_by_sku),
                quantity=item.quantity,
                unit_price_minor=unit,
                discount_minor=min(discount, unit * item.quantity),
            )
        )
    lines = merged(lines)
    if not lines:
        return None
    placed = order.processed_at or order.created_at
    if placed is None:
        raise ValueError("the order has neither processed_at nor created_at")
    return OrderRequest(
        order_id=PREFIX + order.id,
        member_id=member_id,
        currency=order.currency.upper(),
        placed_at=datetime.fromisoformat(placed),
        lines=lines,
    )


def refund_request(refund: ShopifyRefund, currency: str | None = None) -> tuple[str, RefundRequest] | None:
    """(our order id, refund) for a Shopify refund; None when it gives nothing back that earned points."""
    quantities: dict[str, int] = {}
    for line in refund.refund_line_items:
        item = line.line_item
        if item.gift_card or line.quantity <= 0:
            continue
        sku = sku_of(item.sku, item.variant_id, item.product_id, item.id)
        quantities[sku] = quantities.get(sku, 0) + line.quantity
    order_id = PREFIX + refund.order_id
    refund_id = PREFIX + refund.id
    if quantities:
        lines = [RefundLineIn(sku=sku, quantity=quantity) for sku, quantity in quantities.items()]
        return order_id, RefundRequest(refund_id=refund_id, lines=lines)
    amount = sum(
        to_minor(t.amount, t.currency or currency or "USD")
        for t in refund.transactions
        if (t.kind or "refund") == "refund" and (t.status or "success") == "success"
    )
    if amount <= 0:
        return None
    return order_id, RefundRequest(refund_id=refund_id, amount_minor=amount)
