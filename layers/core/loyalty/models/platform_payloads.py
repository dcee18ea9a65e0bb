"""The platforms' webhook payloads, as far as we read them (the integrations' consumer alone loads them).

The payload models ignore every field they do not name (the platforms add fields all the time) and
read ids as text: a platform id may exceed 2^53, which a JSON float cannot hold, so the raw body is
parsed with ``json.loads(parse_int=str, parse_float=Decimal)`` and never through a float.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import ConfigDict, Field, field_validator

from loyalty.models.common import Model


class _Payload(Model):
    model_config = ConfigDict(extra="ignore")


def _text(value: object) -> object:
    return None if value is None else str(value)


class ShopifyCustomer(_Payload):
    id: str | None = None
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None

    _ids = field_validator("id", mode="before")(_text)


class ShopifyMoney(_Payload):
    amount: Decimal
    currency_code: str | None = None


class ShopifyMoneySet(_Payload):
    shop_money: ShopifyMoney | None = None
    presentment_money: ShopifyMoney | None = None


class ShopifyLineItem(_Payload):
    id: str | None = None
    sku: str | None = None
    product_id: str | None = None
    variant_id: str | None = None
    quantity: int
    price: Decimal
    gift_card: bool = False
    discount_allocations: list[ShopifyMoney] = Field(default_factory=list)

    _ids = field_validator("id", "product_id", "variant_id", mode="before")(_text)


class ShopifyOrder(_Payload):
    id: str
    currency: str  # the shop's currency: the REST payload's prices and totals are in it
    total_price: Decimal | None = None  # everything paid: lines, shipping, tax, tips, duties
    taxes_included: bool = False  # the line prices hold their tax
    presentment_currency: str | None = None  # the currency the shopper paid in
    total_price_set: ShopifyMoneySet | None = None
    processed_at: str | None = None
    created_at: str | None = None
    email: str | None = None
    customer: ShopifyCustomer | None = None
    line_items: list[ShopifyLineItem] = Field(default_factory=list)

    _ids = field_validator("id", mode="before")(_text)


class ShopifyRefundLine(_Payload):
    quantity: int
    line_item: ShopifyLineItem


class ShopifyTransaction(_Payload):
    amount: Decimal
    kind: str | None = None
    status: str | None = None
    currency: str | None = None


class ShopifyAdjustment(_Payload):
    """Money a refund gives back (negative ``amount``) that is not a line: ``shipping_refund``, or a
    ``refund_discrepancy`` (what was given beyond or short of the lines)."""

    amount: Decimal
    tax_amount: Decimal = Decimal(0)
    kind: str | None = None


class ShopifyRefundDuty(_Payload):
    amount_set: ShopifyMoneySet | None = None


class ShopifyRefund(_Payload):
    id: str
    order_id: str
    refund_line_items: list[ShopifyRefundLine] = Field(default_factory=list)
    transactions: list[ShopifyTransaction] = Field(default_factory=list)
    order_adjustments: list[ShopifyAdjustment] = Field(default_factory=list)
    duties: list[ShopifyRefundDuty] = Field(default_factory=list)

    _ids = field_validator("id", "order_id", mode="before")(_text)


class WooBilling(_Payload):
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None


class WooLineItem(_Payload):
    id: str | None = None
    sku: str | None = None
    product_id: str | None = None
    variation_id: str | None = None
    quantity: int
    subtotal: Decimal
    total: Decimal  # after coupons, without tax (WooCommerce keeps line totals without tax)
    total_tax: Decimal = Decimal(0)

    _ids = field_validator("id", "product_id", "variation_id", mode="before")(_text)


class WooRefundLine(_Payload):
    """A refunded line as the refunds endpoint shows it (``quantity`` negative)."""

    id: str | None = None
    sku: str | None = None
    product_id: str | None = None
    variation_id: str | None = None
    quantity: int = 0

    _ids = field_validator("id", "product_id", "variation_id", mode="before")(_text)


class WooRefund(_Payload):
    """An order's refund: the order lists ``{id, reason, total}`` (total negative); the refunds
    endpoint shows ``amount`` (positive) and the refunded ``line_items``."""

    id: str
    total: Decimal | None = None
    amount: Decimal | None = None
    line_items: list[WooRefundLine] = Field(default_factory=list)

    _ids = field_validator("id", mode="before")(_text)


class WooOrder(_Payload):
    id: str
    status: str
    currency: str
    total: Decimal | None = None  # everything paid: lines, shipping, fees, tax
    prices_include_tax: bool = False
    date_paid_gmt: str | None = None
    date_completed_gmt: str | None = None
    date_created_gmt: str | None = None
    customer_id: str | None = None
    billing: WooBilling | None = None
    line_items: list[WooLineItem] = Field(default_factory=list)
    refunds: list[WooRefund] = Field(default_factory=list)

    _ids = field_validator("id", "customer_id", mode="before")(_text)
