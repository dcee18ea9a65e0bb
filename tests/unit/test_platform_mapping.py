"""Mapping Shopify and WooCommerce payloads: money by exponent, ids above 2^53, discounts, gift cards."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from loyalty.domain.money import NotMinorUnits, to_minor
from loyalty.models.platform_payloads import ShopifyOrder, ShopifyRefund, WooOrder
from loyalty.services.integrations import shopify, woocommerce
from loyalty.services.integrations.mapping import label, split_amount
from loyalty.services.integrations.process import parse

BIG = 820982911946154508  # a real Shopify order id: above 2^53, a float would round it


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [("199.00", "USD", 19900), ("0.10", "EUR", 10), ("1500", "JPY", 1500), ("1.234", "KWD", 1234), ("3", "CLF", 30000)],
)
def test_money_strings_become_minor_units_by_exponent(amount: str, currency: str, minor: int) -> None:
    assert to_minor(amount, currency) == minor


def test_finer_than_the_minor_unit_is_refused() -> None:
    with pytest.raises(NotMinorUnits):
        to_minor("1.005", "USD")


def test_ids_above_2_53_are_read_as_text() -> None:
    text = json.dumps({"id": BIG, "currency": "USD", "line_items": [{"id": BIG + 1, "quantity": 1, "price": "1.00"}]})
    order = ShopifyOrder.model_validate(parse(text))
    assert order.id == "820982911946154508" and order.line_items[0].id == "820982911946154509"
    assert float(BIG) != BIG, "the reason: a float cannot hold it"


def test_shopify_discount_allocations_become_line_discounts_and_gift_cards_are_skipped() -> None:
    order = ShopifyOrder.model_validate(
        parse(
            json.dumps(
                {
                    "id": BIG,
                    "currency": "USD",
                    "processed_at": "2026-11-22T10:00:00-05:00",
                    "line_items": [
                        {
                            "id": 1,
                            "sku": "TEE",
                            "quantity": 2,
                            "price": "25.00",
                            "discount_allocations": [{"amount": "5.00"}, {"amount": "2.50"}],
                        },
                        {"id": 2, "sku": "", "variant_id": 77, "quantity": 1, "price": "10.00"},
                        {"id": 3, "sku": "GIFT", "quantity": 1, "price": "50.00", "gift_card": True},
                    ],
                }
            )
        )
    )
    request = shopify.order_request(order, "m-1", {"TEE": "apparel"})
    assert request is not None
    assert request.order_id == "shopify:820982911946154508"
    assert [(ln.sku, ln.category, ln.quantity, ln.unit_price_minor, ln.discount_minor) for ln in request.lines] == [
        ("TEE", "apparel", 2, 2500, 750),
        ("variant:77", "uncategorized", 1, 1000, 0),
    ]
    assert request.discount_minor == 0 and request.placed_at.utcoffset() is not None


def test_a_shopify_refund_without_lines_refunds_its_successful_transactions() -> None:
    refund = ShopifyRefund.model_validate(
        parse(
            json.dumps(
                {
                    "id": 9,
                    "order_id": BIG,
                    "refund_line_items": [],
                    "transactions": [
                        {"amount": "12.50", "kind": "refund", "status": "success"},
                        {"amount": "99.00", "kind": "refund", "status": "failure"},
                    ],
                }
            )
        )
    )
    mapped = shopify.refund_request(refund)
    assert mapped is not None
    order_id, request, given = mapped
    assert order_id == "shopify:820982911946154508" and request.amount_minor == 1250 and request.lines is None
    assert (given.money, given.not_goods, given.whole_order) == (1250, 0, False)


def test_woocommerce_lines_that_do_not_divide_keep_their_exact_amount() -> None:
    assert split_amount(1000, 3) == [(2, 333), (1, 334)]
    assert split_amount(900, 3) == [(3, 300)]
    order = WooOrder.model_validate(
        parse(
            json.dumps(
                {
                    "id": 5,
                    "status": "processing",
                    "currency": "USD",
                    "date_paid_gmt": "2026-11-22T15:00:00",
                    "line_items": [{"id": 1, "sku": "MUG", "quantity": 3, "subtotal": "10.00", "total": "7.00"}],
                }
            )
        )
    )
    request = woocommerce.order_request(order, "m-1", {})
    assert request is not None
    amounts = [ln.unit_price_minor * ln.quantity for ln in request.lines]
    assert sum(amounts) == 1000 and sum(ln.discount_minor for ln in request.lines) == 300
    assert all(ln.discount_minor <= a for ln, a in zip(request.lines, amounts, strict=True))
    assert request.placed_at.isoformat() == "2026-11-22T15:00:00+00:00", "no offset means UTC"


def test_woocommerce_refunds_keep_the_money_they_gave_back_for_the_service_to_cap() -> None:
    order = WooOrder.model_validate(
        {
            "id": "5",
            "status": "refunded",
            "currency": "USD",
            "total": Decimal("30.00"),
            "line_items": [{"quantity": 1, "subtotal": Decimal("20.00"), "total": Decimal("20.00")}],
            "refunds": [{"id": "8", "total": Decimal("-15.00")}, {"id": "9", "total": Decimal("-15.00")}],
        }
    )
    order_id, refunds = woocommerce.refund_requests(order)
    assert order_id == "woocommerce:5"
    # The rows give back all 30.00 paid: no refund in full of the status is needed beside them.
    assert [(r.refund_id, r.amount_minor, g.money) for r, g in refunds] == [
        ("woocommerce:8", 1500, 1500),
        ("woocommerce:9", 1500, 1500),
    ]
    assert not woocommerce.earns(order)


def test_long_skus_keep_a_readable_head_and_stay_distinct() -> None:
    long_a, long_b = "A" * 80, "A" * 79 + "B"
    assert len(label(long_a)) == 64 and label(long_a) != label(long_b)
