"""Platform refunds as Shopify and WooCommerce send them, mapped and judged: lines, amounts (the goods'
share only), shipping and tax adjustments, cancelled and refunded orders. Payloads are the platforms'
published examples (tests/fixtures/SOURCES.md)."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from loyalty.domain.refunds import (
    EarnedLine,
    OtherCurrency,
    Paid,
    PlatformRefund,
    RefundState,
    by_platform,
)
from loyalty.models.platform_payloads import ShopifyOrder, ShopifyRefund, WooOrder
from loyalty.services.integrations import shopify, woocommerce
from loyalty.services.integrations.process import parse
from tests.unit.refund_states import after

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def published(path: str, wrapper: str | None = None) -> Any:
    document = parse((FIXTURES / path).read_text())
    return document[wrapper] if wrapper else document


# The issue's order: one 50.00 line (50 points), 10.00 shipping and 5.00 tax, 65.00 paid.
ISSUE = RefundState(
    points=50,
    net_total=Fraction(5000),
    lines=[EarnedLine("IPOD2008GREEN", 1, Fraction(50))],
    paid=Paid("USD", 5000, 6500),
)


# --- the rule -----------------------------------------------------------------------------------------


def test_everything_paid_given_back_as_an_amount_reverses_all_the_order_holds() -> None:
    plan = by_platform(ISSUE, None, PlatformRefund("USD", 6500))
    assert plan.points_reversed == 50


def test_a_partial_amount_reverses_the_goods_share_of_it() -> None:
    # 13.00 of the 65.00 paid: the goods' share is 13.00 x 50/65 = 10.00 of the 50.00 goods: 10 points.
    assert by_platform(ISSUE, None, PlatformRefund("USD", 1300)).points_reversed == 10


def test_shipping_given_back_reverses_nothing_yet_counts_toward_the_whole() -> None:
    shipping = by_platform(ISSUE, None, PlatformRefund("USD", 1000, not_goods=1000))
    assert shipping.points_reversed == 0
    rest = by_platform(after(ISSUE, shipping), None, PlatformRefund("USD", 5500))
    assert rest.points_reversed == 50, "all 65.00 came back: the whole order is reversed"


def test_refunds_beyond_what_is_left_are_capped_not_refused() -> None:
    first = by_platform(ISSUE, None, PlatformRefund("USD", 6500))
    again = by_platform(after(ISSUE, first), None, PlatformRefund("USD", 1000))
    assert again.points_reversed == 0 and again.reversed_total == 50
    lines = by_platform(after(ISSUE, first), [("IPOD2008GREEN", 3), ("NOT-HERE", 1)], PlatformRefund("USD", 0))
    assert lines.points_reversed == 0


def test_a_cancelled_order_reverses_everything_whatever_the_amount() -> None:
    partial = by_platform(ISSUE, None, PlatformRefund("USD", 1300))
    whole = by_platform(after(ISSUE, partial), None, PlatformRefund("USD", 1, whole_order=True))
    assert partial.points_reversed + whole.points_reversed == 50


def test_a_refund_in_another_currency_than_the_order_was_paid_in_is_refused() -> None:
    with pytest.raises(OtherCurrency):
        by_platform(ISSUE, None, PlatformRefund("EUR", 1300))


def test_a_refund_in_the_shoppers_currency_is_judged_at_the_orders_rate() -> None:
    # The shop sells in USD; the shopper paid 88.40 CAD for the 65.00 USD order.
    state = RefundState(ISSUE.points, ISSUE.net_total, ISSUE.lines, paid=Paid("USD", 5000, 6500, "CAD", 8840))
    partial = by_platform(state, None, PlatformRefund("CAD", 1768))  # 17.68 CAD = 13.00 USD
    assert partial.points_reversed == 10
    rest = by_platform(after(state, partial), None, PlatformRefund("CAD", 8840 - 1768))
    assert rest.points_reversed == 40 and rest.refunded_paid == 6500


# --- Shopify --------------------------------------------------------------------------------------------


def test_shopify_published_shipping_refund_is_all_not_goods() -> None:
    mapped = shopify.refund_request(ShopifyRefund.model_validate(published("shopify/refund-shipping.json", "refund")))
    assert mapped is not None
    order_id, request, given = mapped
    assert order_id == "shopify:450789469" and request.amount_minor == 500
    assert (given.currency, given.money, given.not_goods) == ("USD", 500, 500)


def test_shopify_published_line_refund_refunds_its_lines_and_counts_its_money() -> None:
    mapped = shopify.refund_request(ShopifyRefund.model_validate(published("shopify/refund.json", "refund")))
    assert mapped is not None
    _, request, given = mapped
    assert [(ln.sku, ln.quantity) for ln in request.lines or []] == [("IPOD2008BLACK", 1), ("IPOD2008GREEN", 1)]
    assert given.money == 20900


def test_shopify_refund_discrepancy_is_money_for_goods_but_its_tax_is_not() -> None:
    # How Shopify records a refund by amount without lines: a discrepancy of minus the amount.
    document = published("shopify/refund-shipping.json", "refund")
    document["order_adjustments"][0].update(kind="refund_discrepancy", amount="-4.00", tax_amount="-1.00")
    mapped = shopify.refund_request(ShopifyRefund.model_validate(document))
    assert mapped is not None
    assert (mapped[2].money, mapped[2].not_goods) == (500, 100)


def test_shopify_paid_is_the_goods_and_the_total_as_the_order_states_them() -> None:
    order = ShopifyOrder.model_validate(published("shopify/order-taxed.json", "order"))
    assert shopify.paid(order) == Paid("USD", 25592, 27037)  # 129.99 + 85.95 + 2 x 19.99, and 14.45 tax
    issue = ShopifyOrder.model_validate(published("shopify/order-one-line-shipping-tax.json", "order"))
    assert shopify.paid(issue) == Paid("USD", 5000, 6500)
    inclusive = ShopifyOrder.model_validate({**published("shopify/order-taxed.json", "order"), "taxes_included": True})
    assert shopify.paid(inclusive) == Paid("USD", 25592, 27037), "prices that hold their tax are the goods' price"


def test_shopify_paid_keeps_the_total_in_the_shoppers_currency_when_it_differs() -> None:
    document = published("shopify/order-taxed.json", "order")
    document["presentment_currency"] = "CAD"
    document["total_price_set"]["presentment_money"] = {"amount": "367.70", "currency_code": "CAD"}
    paid = shopify.paid(ShopifyOrder.model_validate(document))
    assert paid == Paid("USD", 25592, 27037, "CAD", 36770)


# --- WooCommerce ---------------------------------------------------------------------------------------


def test_woocommerce_published_order_refunds_are_amounts_of_what_was_paid() -> None:
    order = WooOrder.model_validate(published("woocommerce/order-723-list.json"))
    assert woocommerce.paid(order) == Paid("USD", 2900, 3900)  # 9.00 + 20.00 of goods, 10.00 shipping
    _, refunds = woocommerce.refund_requests(order)
    assert [(r.refund_id, r.amount_minor, g.money, g.whole_order) for r, g in refunds] == [
        ("woocommerce:724", 900, 900, False),
        ("woocommerce:726", 1000, 1000, False),
    ]


def test_woocommerce_refund_with_line_items_refunds_those_units() -> None:
    # The refunds endpoint's objects in place of the order's {id, total} rows (a hand combination).
    document = published("woocommerce/order-723-list.json")
    document["refunds"] = published("woocommerce/refunds-723-list.json")
    _, refunds = woocommerce.refund_requests(WooOrder.model_validate(document))
    [(line_refund, line_given), (amount_refund, _)] = refunds
    assert [(ln.sku, ln.quantity) for ln in line_refund.lines or []] == [("product:87", 1)]
    assert line_given.money == 900 and amount_refund.amount_minor == 1000


@pytest.mark.parametrize("status", ["cancelled", "refunded"])
def test_woocommerce_order_cancelled_or_refunded_without_rows_is_a_whole_refund(status: str) -> None:
    document = {**published("woocommerce/order-727-retrieve.json"), "status": status}
    order_id, refunds = woocommerce.refund_requests(WooOrder.model_validate(document))
    assert order_id == "woocommerce:727"
    assert [(r.refund_id, r.amount_minor, g.whole_order) for r, g in refunds] == [
        (f"woocommerce:727:{status}", 2935, True)
    ]


def test_woocommerce_goods_hold_their_tax_when_prices_include_it() -> None:
    document = published("woocommerce/order-727-retrieve.json")
    assert woocommerce.paid(WooOrder.model_validate(document)) == Paid("USD", 1800, 2935)
    inclusive = WooOrder.model_validate({**document, "prices_include_tax": True})
    assert woocommerce.paid(inclusive) == Paid("USD", 1935, 2935)


def test_fixtures_are_valid_json() -> None:
    for path in sorted(FIXTURES.glob("*/*.json")):
        json.loads(path.read_text())
