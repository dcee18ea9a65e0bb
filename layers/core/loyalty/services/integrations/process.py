"""The accrual consumer's part: a verified platform webhook becomes accruals and refunds.

Idempotent by the platform's ids: the order id makes accrual credit once and each refund id reverses
once, so a webhook delivered twice (platforms retry) changes nothing the second time. Order of arrival
does not matter: a refund whose order has not come is held and applied when it comes, and what cannot
be applied is recorded for the admin (loyalty.services.integrations.held). Nothing is acknowledged and
forgotten; only a customer who is no member (and not enrolled) is a plain skip.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from aws_lambda_powertools import Logger

from loyalty.domain.errors import MemberErased, MemberMerged
from loyalty.domain.refunds import Paid, PlatformRefund
from loyalty.models.integrations import IntegrationWebhook
from loyalty.models.order import OrderRequest, RefundRequest
from loyalty.models.platform_payloads import ShopifyOrder, ShopifyRefund, WooOrder
from loyalty.services import accrual, guest_orders, refunds
from loyalty.services.integrations import connections, held, members, shopify, woocommerce

logger = Logger(child=True)


@dataclass
class Processed:
    accrued: list[accrual.Accrued] = field(default_factory=list)
    refunded: list[refunds.Refunded] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # why nothing was done, by name
    held: int = 0  # refunds kept until their order comes
    failed: list[str] = field(default_factory=list)  # why events could not be applied (listed for the admin)

    @property
    def outcome(self) -> Literal["accrued", "refunded", "held", "failed", "skipped"]:
        if self.refunded or self.accrued:
            return "refunded" if self.refunded else "accrued"
        return "held" if self.held else "failed" if self.failed else "skipped"


def parse(payload: str) -> Any:
    """Integers as text (a platform id may exceed 2^53), decimals exactly: never a float."""
    return json.loads(payload, parse_int=str, parse_float=Decimal)


def process(message: IntegrationWebhook) -> Processed:
    result = Processed()
    connection = connections.get(message.connection_id)
    if connection is None:
        result.skipped.append("connection_deleted")
        return result
    document = parse(message.payload)
    source = held.Source(message.connection_id, message.platform, message.topic, message.received_at)
    if message.platform == "shopify" and message.topic == "orders/paid":
        order = ShopifyOrder.model_validate(document)
        member_id = members.member_for(connection, shopify.customer(order))
        request = shopify.order_request(order, member_id, connection.category_by_sku) if member_id else None
        if member_id is None:  # a non-member's order: the experiments report's other group
            placed = order.processed_at or order.created_at
            customer = shopify.customer(order)
            guest_orders.record_platform_order(
                shopify.PREFIX + order.id, connection.connection_id, customer, placed, shopify.paid(order)
            )
        _accrue(result, shopify.PREFIX + order.id, member_id, request, shopify.paid(order))
    elif message.platform == "shopify" and message.topic == "refunds/create":
        mapped = shopify.refund_request(ShopifyRefund.model_validate(document))
        if mapped is None:
            result.skipped.append("nothing_refunded")
        else:
            _refund(result, source, *mapped)
    elif message.platform == "woocommerce":
        woo = WooOrder.model_validate(document)
        if woocommerce.earns(woo):
            member_id = members.member_for(connection, woocommerce.customer(woo))
            request = woocommerce.order_request(woo, member_id, connection.category_by_sku) if member_id else None
            if member_id is None:
                placed = woo.date_paid_gmt or woo.date_completed_gmt or woo.date_created_gmt
                guest_orders.record_platform_order(
                    woocommerce.PREFIX + woo.id,
                    connection.connection_id,
                    woocommerce.customer(woo),
                    placed,
                    woocommerce.paid(woo),
                )
            _accrue(result, woocommerce.PREFIX + woo.id, member_id, request, woocommerce.paid(woo))
        order_id, requests = woocommerce.refund_requests(woo)
        # Only an order that was never paid (a pending order cancelled) has no accrual to wait for.
        was_paid = woocommerce.earns(woo) or bool(woo.date_paid_gmt or woo.date_completed_gmt or woo.refunds)
        for refund, given in requests:
            _refund(result, source, order_id, refund, given, may_come=was_paid)
    else:
        result.skipped.append("topic_not_used")
    return result


def _accrue(
    result: Processed, order_id: str, member_id: str | None, request: OrderRequest | None, paid: Paid | None
) -> None:
    if request is None:
        reason = "no_member" if member_id is None else "nothing_earns"
        result.skipped.append(reason)
        _settled(result, held.order_came(order_id, not_credited=reason))
        return
    try:
        try:
            result.accrued.append(accrual.accrue(request, paid=paid))
        except MemberMerged as merged:
            # The customer's provisional member (by its customer link) was taken over by the owner of its
            # email: its orders credit that member now.
            update = {"member_id": merged.merged_into}
            result.accrued.append(accrual.accrue(request.model_copy(update=update), paid=paid))
    except MemberErased:
        result.skipped.append("member_erased")  # the shopper asked to be forgotten: nothing more is credited
        _settled(result, held.order_came(order_id, not_credited="member_erased"))
        return
    _settled(result, held.order_came(order_id))  # refunds that came first, applied now


def _refund(
    result: Processed,
    source: held.Source,
    order_id: str,
    request: RefundRequest,
    given: PlatformRefund,
    may_come: bool = True,
) -> None:
    _settled(result, [held.refund(source, order_id, request, given, may_come)])


def _settled(result: Processed, outcomes: list[held.Outcome]) -> None:
    for outcome in outcomes:
        if outcome.refunded is not None:
            result.refunded.append(outcome.refunded)
        elif outcome.status == "held":
            result.held += 1
        elif outcome.status == "failed":
            result.failed.append(outcome.reason or "failed")
            logger.warning("platform event failed", extra={"reason": outcome.reason})
        elif outcome.status in ("skipped", "dismissed"):
            result.skipped.append(outcome.reason or outcome.status)
