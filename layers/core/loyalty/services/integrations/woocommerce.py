"""WooCommerce's ``order.created`` / ``order.updated`` webhooks (the REST API's order, as it is sent).

- An order in status ``processing`` or ``completed`` accrues, as ``woocommerce:<id>``; others
  (pending, on-hold, failed, cancelled...) are skipped until an update brings them there.
- Each line earns on its ``subtotal`` (before coupons) less its coupon discount (``subtotal - total``):
  WooCommerce allocates coupons to lines, so the order discount is 0. A subtotal that does not divide
  by the quantity becomes two lines of the same SKU whose amounts add up exactly.
- ``date_paid_gmt`` (else ``date_completed_gmt``, else ``date_created_gmt``) is UTC without an offset.
- The order's ``refunds`` (id and negative total; WooCommerce sends no refund webhook of its own, the
  order is updated) become refunds by amount, ``woocommerce:<refund id>``, each applied once. Refunds
  of shipping or fees beyond what the lines cost are capped at the lines' total.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from loyalty.domain.money import to_minor
from loyalty.models.integrations import WooOrder
from loyalty.models.order import OrderLineIn, OrderRequest, RefundRequest
from loyalty.services.integrations.mapping import Customer, category_of, full_name, merged, sku_of, split_amount

PREFIX = "woocommerce:"
EARNING_STATUSES = frozenset({"processing", "completed"})


def customer(order: WooOrder) -> Customer:
    billing = order.billing
    customer_id = order.customer_id if order.customer_id and order.customer_id != "0" else None
    return Customer(
        customer_id=customer_id,
        email=(billing.email or None) if billing else None,
        name=full_name(billing.first_name, billing.last_name) if billing else None,
    )


def placed_at(order: WooOrder) -> datetime:
    text = order.date_paid_gmt or order.date_completed_gmt or order.date_created_gmt
    if not text:
        raise ValueError("the order has no date")
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def earns(order: WooOrder) -> bool:
    return order.status in EARNING_STATUSES


def _lines(order: WooOrder, category_by_sku: dict[str, str]) -> list[OrderLineIn]:
    lines = []
    for item in order.line_items:
        if item.quantity <= 0:
            continue
        sku = sku_of(item.sku, item.variation_id, item.product_id, item.id)
        amount = to_minor(item.subtotal, order.currency)
        discount = max(min(amount - to_minor(item.total, order.currency), amount), 0)
        parts = split_amount(amount, item.quantity)
        first_share = discount * parts[0][0] * parts[0][1] // amount if amount else 0
        shares = [first_share, discount - first_share]
        for (quantity, unit), share in zip(parts, shares, strict=False):
            lines.append(
                OrderLineIn(
                    sku=sku,
                    category=category_of(sku, category_by_sku),
                    quantity=quantity,
                    unit_price_minor=unit,
                    discount_minor=share,
                )
            )
    return lines


def order_request(order: WooOrder, member_id: str, category_by_sku: dict[str, str]) -> OrderRequest | None:
    lines = merged(_lines(order, category_by_sku))
    if not lines:
        return None
    return OrderRequest(
        order_id=PREFIX + order.id,
        member_id=member_id,
        currency=order.currency.upper(),
        placed_at=placed_at(order),
        lines=lines,
    )


def refund_requests(order: WooOrder) -> tuple[str, list[RefundRequest]]:
    """(our order id, its refunds by amount in the order they were made), capped at the lines' total."""
    lines_total = sum(
        to_minor(item.total, order.currency) for item in order.line_items if item.quantity > 0 and item.total > 0
    )
    refunds = []
    given_back = 0
    for refund in sorted(order.refunds, key=lambda r: (len(r.id), r.id)):
        amount = min(to_minor(abs(Decimal(refund.total)), order.currency), lines_total - given_back)
        if amount <= 0:
            continue
        given_back += amount
        refunds.append(RefundRequest(refund_id=PREFIX + refund.id, amount_minor=amount))
    return PREFIX + order.id, refunds
