"""Shopify's ``orders/paid`` and ``refunds/create`` webhooks, mapped onto our order and refund requests.

- The order id becomes ``shopify:<id>``, the refund id ``shopify:<id>``; ids are read as text.
- Money strings become minor units by the currency's exponent, exactly (no float on the way).
- ``discount_allocations`` (every discount Shopify applied, order-level ones included, already
  allocated to lines) become each line's ``discount_minor``; the order discount is then 0, so nothing
  is counted twice. Shipping, tax and tips earn nothing.
- ``processed_at`` (else ``created_at``) becomes ``placed_at``. Gift-card lines are skipped (buying a
  gift card is not a purchase yet), on the order and on its refunds alike.
- The order's ``total_price`` (everything paid) and its lines' cost after discounts (the goods, tax
  included when ``taxes_included`` says the prices hold it) are kept with the order: a refund by amount
  counts only the goods' share of it (docs/integrations.md).
- A refund with ``refund_line_items`` refunds those lines; one without refunds an amount: the sum of its
  successful ``refund`` transactions, less what its ``order_adjustments`` and ``duties`` name as not
  goods (a ``shipping_refund`` with its tax, the tax of any adjustment, refunded duties). A
  ``refund_discrepancy`` is money given back without naming lines (Shopify records a refund by amount
  as one), so it stays goods' money. The transactions always count toward a full refund.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from loyalty.domain.money import to_minor
from loyalty.domain.refunds import Paid, PlatformRefund
from loyalty.models.order import OrderLineIn, OrderRequest, RefundLineIn, RefundRequest
from loyalty.models.platform_payloads import ShopifyLineItem, ShopifyOrder, ShopifyRefund
from loyalty.services.integrations.mapping import Customer, category_of, full_name, merged, sku_of

PREFIX = "shopify:"
DISCREPANCY = "refund_discrepancy"


def customer(order: ShopifyOrder) -> Customer:
    buyer = order.customer
    email = (buyer.email if buyer and buyer.email else order.email) or None
    return Customer(
        customer_id=buyer.id if buyer and buyer.id else None,
        email=email,
        name=full_name(buyer.first_name, buyer.last_name) if buyer else None,
    )


def _goods(order: ShopifyOrder) -> list[tuple[ShopifyLineItem, int, int]]:
    """The lines that earn, with their unit price and discount in minor units."""
    goods = []
    for item in order.line_items:
        if item.gift_card or item.quantity <= 0:
            continue
        unit = to_minor(item.price, order.currency)
        discount = sum(to_minor(allocation.amount, order.currency) for allocation in item.discount_allocations)
        goods.append((item, unit, min(discount, unit * item.quantity)))
    return goods


def paid(order: ShopifyOrder) -> Paid | None:
    """What the order cost as Shopify states it (None when the payload names no total)."""
    if order.total_price is None:
        return None
    goods = sum(unit * item.quantity - discount for item, unit, discount in _goods(order))
    paid = Paid(order.currency.upper(), goods, to_minor(order.total_price, order.currency))
    shopper = order.total_price_set.presentment_money if order.total_price_set else None
    shopper_currency = (shopper.currency_code if shopper else None) or order.presentment_currency
    if shopper is None or not shopper_currency or shopper_currency.upper() == paid.currency:
        return paid
    # Refund transactions are in the shopper's currency: keep the order's total in it, for the rate.
    return replace(
        paid, shopper_currency=shopper_currency.upper(), shopper_total=to_minor(shopper.amount, shopper_currency)
    )


def order_request(order: ShopifyOrder, member_id: str, category_by_sku: dict[str, str]) -> OrderRequest | None:
    """Our order for a paid Shopify order; None when no line earns (only gift cards, say)."""
    lines = []
    for item, unit, discount in _goods(order):
        sku = sku_of(item.sku, item.variant_id, item.product_id, item.id)
        lines.append(
            OrderLineIn(
                sku=sku,
                category=category_of(sku, category_by_sku),
                quantity=item.quantity,
                unit_price_minor=unit,
                discount_minor=discount,
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


def refund_request(
    refund: ShopifyRefund, currency: str | None = None
) -> tuple[str, RefundRequest, PlatformRefund] | None:
    """(our order id, refund, what Shopify says it gave back); None when it gives nothing back."""
    quantities: dict[str, int] = {}
    for line in refund.refund_line_items:
        item = line.line_item
        if item.gift_card or line.quantity <= 0:
            continue
        sku = sku_of(item.sku, item.variant_id, item.product_id, item.id)
        quantities[sku] = quantities.get(sku, 0) + line.quantity
    order_id = PREFIX + refund.order_id
    refund_id = PREFIX + refund.id
    successful = [
        t for t in refund.transactions if (t.kind or "refund") == "refund" and (t.status or "success") == "success"
    ]
    money_currency = (next((t.currency for t in successful if t.currency), None) or currency or "USD").upper()
    money = sum(to_minor(t.amount, money_currency) for t in successful)
    # Lines that all skipped are gift cards: that money bought no points.
    only_gift_cards = bool(refund.refund_line_items) and not quantities
    not_goods = money if only_gift_cards else _not_goods(refund, money_currency)
    given = PlatformRefund(money_currency, money, min(max(not_goods, 0), money))
    if quantities:
        lines = [RefundLineIn(sku=sku, quantity=quantity) for sku, quantity in quantities.items()]
        return order_id, RefundRequest(refund_id=refund_id, lines=lines), given
    if money <= 0:
        return None
    return order_id, RefundRequest(refund_id=refund_id, amount_minor=money), given


def _not_goods(refund: ShopifyRefund, currency: str) -> int:
    """What the refund's adjustments and duties give back that is not goods (they are negative when
    money goes back): shipping with its tax, any adjustment's tax, refunded duties."""
    total = 0
    for adjustment in refund.order_adjustments:
        total -= to_minor(adjustment.tax_amount, currency)
        if adjustment.kind != DISCREPANCY:
            total -= to_minor(adjustment.amount, currency)
    for duty in refund.duties:
        if duty.amount_set and duty.amount_set.shop_money:
            total += to_minor(abs(duty.amount_set.shop_money.amount), currency)
    return total
