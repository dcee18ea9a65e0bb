"""WooCommerce's ``order.created`` / ``order.updated`` webhooks (the REST API's order, as it is sent).

- An order in status ``processing`` or ``completed`` accrues, as ``woocommerce:<id>``; others
  (pending, on-hold, failed, cancelled...) are skipped until an update brings them there.
- Each line earns on its ``subtotal`` (before coupons) less its coupon discount (``subtotal - total``):
  WooCommerce allocates coupons to lines, so the order discount is 0. A subtotal that does not divide
  by the quantity becomes two lines of the same SKU whose amounts add up exactly.
- ``date_paid_gmt`` (else ``date_completed_gmt``, else ``date_created_gmt``) is UTC without an offset.
- The order's ``total`` (everything paid) and its lines' totals (the goods: with their tax when
  ``prices_include_tax``, since WooCommerce keeps line totals without tax) are kept with the order: a
  refund by amount counts only the goods' share of it (docs/integrations.md).
- The order's ``refunds`` (WooCommerce sends no refund webhook of its own, the order is updated) are
  each applied once as ``woocommerce:<refund id>``. The order lists a refund as ``{id, reason,
  total}`` only, so it is a refund by amount; a refund that carries ``line_items`` (as the refunds
  endpoint shows it: negative quantities) refunds those units instead.
- An order moved to ``cancelled`` or ``refunded`` is refunded in full, ``woocommerce:<id>:<status>``:
  all that its refunds left (WooCommerce cancels without refund rows; a refund row may lag).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from loyalty.domain.money import to_minor
from loyalty.domain.refunds import Paid, PlatformRefund
from loyalty.models.order import OrderLineIn, OrderRequest, RefundLineIn, RefundRequest
from loyalty.models.platform_payloads import WooOrder, WooRefund
from loyalty.services.integrations.mapping import Customer, category_of, full_name, merged, sku_of, split_amount

PREFIX = "woocommerce:"
EARNING_STATUSES = frozenset({"processing", "completed"})
WHOLLY_REFUNDED = frozenset({"cancelled", "refunded"})


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


def paid(order: WooOrder) -> Paid | None:
    """What the order cost as WooCommerce states it (None when the payload names no total)."""
    if order.total is None:
        return None
    goods = sum(
        to_minor(item.total + (item.total_tax if order.prices_include_tax else 0), order.currency)
        for item in order.line_items
        if item.quantity > 0
    )
    return Paid(order.currency.upper(), max(goods, 0), to_minor(order.total, order.currency))


def _money(refund: WooRefund, currency: str) -> int:
    value = refund.total if refund.total is not None else refund.amount
    return to_minor(abs(Decimal(value or 0)), currency)


def _refunded_lines(refund: WooRefund) -> list[RefundLineIn]:
    quantities: dict[str, int] = {}
    for item in refund.line_items:
        if item.quantity == 0:
            continue
        sku = sku_of(item.sku, item.variation_id, item.product_id, item.id)
        quantities[sku] = quantities.get(sku, 0) + abs(item.quantity)
    return [RefundLineIn(sku=sku, quantity=quantity) for sku, quantity in quantities.items()]


def refund_requests(order: WooOrder) -> tuple[str, list[tuple[RefundRequest, PlatformRefund]]]:
    """(our order id, its refunds in the order they were made, each with what WooCommerce says it gave
    back), then the refund in full a cancelled or refunded order stands for."""
    currency = order.currency.upper()
    refunds = []
    given_back = 0
    for refund in sorted(order.refunds, key=lambda r: (len(r.id), r.id)):
        money = _money(refund, currency)
        given_back += money
        lines = _refunded_lines(refund)
        refund_id = PREFIX + refund.id
        if lines:
            request = RefundRequest(refund_id=refund_id, lines=lines)
        elif money > 0:
            request = RefundRequest(refund_id=refund_id, amount_minor=money)
        else:
            continue
        refunds.append((request, PlatformRefund(currency, money)))
    if order.status in WHOLLY_REFUNDED:
        stated = paid(order)
        total = stated.total if stated else sum(to_minor(i.total, currency) for i in order.line_items if i.quantity > 0)
        left = total - given_back
        if left > 0:  # otherwise its refund rows already gave everything back, and count as whole
            request = RefundRequest(refund_id=f"{PREFIX}{order.id}:{order.status}", amount_minor=left)
            refunds.append((request, PlatformRefund(currency, left, whole_order=True)))
    return PREFIX + order.id, refunds
