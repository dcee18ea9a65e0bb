"""The accrual consumer's part: a verified platform webhook becomes accruals and refunds.

Idempotent by the platform's ids: the order id makes accrual credit once and each refund id reverses
once, so a webhook delivered twice (platforms retry) changes nothing the second time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from aws_lambda_powertools import Logger

from loyalty.domain.errors import MemberErased, MemberMerged, OrderNotFound, RefundExceedsOrder
from loyalty.domain.refunds import Paid, PlatformRefund
from loyalty.models.integrations import IntegrationWebhook, ShopifyOrder, ShopifyRefund, WooOrder
from loyalty.models.order import OrderRequest, RefundRequest
from loyalty.services import accrual, refunds
from loyalty.services.integrations import connections, members, shopify, woocommerce

logger = Logger(child=True)


@dataclass
class Processed:
    accrued: list[accrual.Accrued] = field(default_factory=list)
    refunded: list[refunds.Refunded] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # why nothing was done, by name

    @property
    def outcome(self) -> Literal["accrued", "refunded", "skipped"]:
        return "refunded" if self.refunded else "accrued" if self.accrued else "skipped"


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
    if message.platform == "shopify" and message.topic == "orders/paid":
        order = ShopifyOrder.model_validate(document)
        member_id = members.member_for(connection, shopify.customer(order))
        request = shopify.order_request(order, member_id, connection.category_by_sku) if member_id else None
        _accrue(result, member_id, request, shopify.paid(order))
    elif message.platform == "shopify" and message.topic == "refunds/create":
        mapped = shopify.refund_request(ShopifyRefund.model_validate(document))
        if mapped is None:
            result.skipped.append("nothing_refunded")
        else:
            _refund(result, *mapped)
    elif message.platform == "woocommerce":
        woo = WooOrder.model_validate(document)
        if woocommerce.earns(woo):
            member_id = members.member_for(connection, woocommerce.customer(woo))
            request = woocommerce.order_request(woo, member_id, connection.category_by_sku) if member_id else None
            _accrue(result, member_id, request, woocommerce.paid(woo))
        order_id, requests = woocommerce.refund_requests(woo)
        for refund, given in requests:
            _refund(result, order_id, refund, given)
    else:
        result.skipped.append("topic_not_used")
    return result


def _accrue(result: Processed, member_id: str | None, request: OrderRequest | None, paid: Paid | None) -> None:
    if request is None:
        result.skipped.append("no_member" if member_id is None else "nothing_earns")
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


def _refund(result: Processed, order_id: str, request: RefundRequest, given: PlatformRefund) -> None:
    try:
        result.refunded.append(refunds.refund(order_id, request, platform=given))
    except MemberErased:
        result.skipped.append("member_erased")
    except OrderNotFound:
        result.skipped.append("order_not_credited")  # the order earned nothing here (not a member, say)
    except RefundExceedsOrder:
        result.skipped.append("refund_exceeds_order")  # e.g. shipping refunded beyond the lines' worth
        logger.info("refund beyond what the order earned", extra={"order_id": order_id})
