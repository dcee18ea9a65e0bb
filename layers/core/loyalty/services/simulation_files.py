"""The simulator's order files: JSON lines in the POST /v1/orders body format, or a Shopify orders export.

JSON lines: one order per line, ``{order_id, member_id, currency, placed_at, lines: [{sku, category,
quantity, unit_price_minor, discount_minor?}], discount_minor?}``. Read without pydantic (a million lines
must parse in seconds), checking what the replay relies on; a bad line is refused with its number.

Shopify (Admin > Orders > Export, "CSV for Excel, Numbers, or other spreadsheet programs"): one row per
line item, the order's own columns (Financial Status, Paid at, Currency, Discount Amount, ...) filled on
its first row only; rows of one order share its ``Name`` (#1001). The member is the buyer's ``Email``
(lower case: the id the simulator reports); orders without one are guests and skipped, as are orders not
``paid`` or ``partially_refunded`` (pending, authorized, voided, refunded: no points stand for them).
``Discount Amount`` is the order's discount (it already includes the line items' discounts, which are not
taken twice); the category of a line is its ``Vendor`` (the export has no product type), else
``uncategorized``; a line without SKU is named by its title, as the integrations do with their ids.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from loyalty.domain import earning, money
from loyalty.domain.errors import InvalidInput
from loyalty.services.integrations.mapping import DEFAULT_CATEGORY, label
from loyalty.services.simulation import SimOrder

CREDITED = frozenset({"paid", "partially_refunded"})
SHOPIFY_HEADER = ("Name", "Email", "Financial Status", "Lineitem quantity", "Lineitem price")


@dataclass(frozen=True)
class Orders:
    orders: list[SimOrder]
    skipped: int  # rows or orders left out (guests, unpaid), said in the answer
    currency: str | None


def read(text: str) -> Orders:
    """Either format, told apart by the first line."""
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    if all(column in first for column in SHOPIFY_HEADER):
        return shopify_orders(text.lstrip("\ufeff"))
    return json_orders(text.splitlines())


def _when(text: Any, where: str) -> datetime:
    try:
        moment = datetime.fromisoformat(str(text).replace(" ", "T", 1) if " " in str(text) else str(text))
    except ValueError:
        raise InvalidInput(f"{where}: '{text}' is not a date and time (RFC 3339).", [where]) from None
    if moment.tzinfo is None:
        raise InvalidInput(f"{where}: '{text}' has no UTC offset.", [where])
    return moment.astimezone(UTC)


def _count(value: Any, where: str, minimum: int = 0) -> int:
    if type(value) is not int or value < minimum:
        raise InvalidInput(f"{where}: expected a whole number of at least {minimum}, got {value!r}.", [where])
    return value


def json_order(body: Any, where: str) -> SimOrder:
    """One order body; what it must hold for the replay, checked."""
    if not isinstance(body, dict) or not isinstance(body.get("lines"), list) or not body["lines"]:
        raise InvalidInput(f"{where}: an order is an object with order_id, member_id, placed_at and lines.", [where])
    lines = []
    for index, line in enumerate(body["lines"]):
        at = f"{where}, line {index + 1}"
        if (
            not isinstance(line, dict)
            or not isinstance(line.get("sku"), str)
            or not isinstance(line.get("category"), str)
        ):
            raise InvalidInput(f"{at}: a line has sku, category, quantity and unit_price_minor.", [where])
        lines.append(
            earning.OrderLine(
                line["sku"],
                line["category"],
                _count(line.get("quantity"), at, 1),
                _count(line.get("unit_price_minor"), at),
                _count(line.get("discount_minor", 0), at),
            )
        )
    order_id, member_id = body.get("order_id"), body.get("member_id")
    if not isinstance(order_id, str) or not isinstance(member_id, str) or not order_id or not member_id:
        raise InvalidInput(f"{where}: order_id and member_id are strings.", [where])
    return SimOrder(
        order_id,
        member_id,
        _when(body.get("placed_at"), where),
        tuple(lines),
        _count(body.get("discount_minor", 0), where),
    )


def json_orders(lines: Iterable[str]) -> Orders:
    orders, currencies = [], set()
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            body = json.loads(text)
        except ValueError:
            raise InvalidInput(f"Line {number} is not JSON.", [f"line {number}"]) from None
        orders.append(json_order(body, f"line {number}"))
        currencies.add(body.get("currency"))
    if len(currencies) > 1:
        raise InvalidInput(f"The orders are in several currencies ({sorted(map(str, currencies))}).", ["orders"])
    return Orders(orders, 0, next(iter(currencies), None))


def _rows(text: str) -> Iterator[dict[str, str]]:
    yield from csv.DictReader(io.StringIO(text, newline=""))


def shopify_orders(text: str) -> Orders:
    """A Shopify orders export: rows grouped by ``Name``, the order's fields read from its first row."""
    grouped: dict[str, list[dict[str, str]]] = {}
    for row in _rows(text):
        name = (row.get("Name") or "").strip()
        if name:
            grouped.setdefault(name, []).append(row)
    orders, skipped, currencies = [], 0, set()
    for name, rows in grouped.items():
        head = rows[0]
        email = (head.get("Email") or "").strip().lower()
        if not email or (head.get("Financial Status") or "").strip() not in CREDITED:
            skipped += 1
            continue
        currency = (head.get("Currency") or "").strip().upper()
        currencies.add(currency)
        where = f"order {name}"
        try:
            lines = tuple(
                earning.OrderLine(
                    label(
                        (row.get("Lineitem sku") or "").strip() or (row.get("Lineitem name") or "").strip() or "unknown"
                    ),
                    label((row.get("Vendor") or "").strip() or DEFAULT_CATEGORY),
                    int(row["Lineitem quantity"]),
                    money.to_minor(row["Lineitem price"].strip(), currency),
                )
                for row in rows
            )
            discount = money.to_minor((head.get("Discount Amount") or "0").strip() or "0", currency)
        except (ValueError, KeyError, ArithmeticError) as error:
            raise InvalidInput(f"{where}: {error}", [where]) from None
        placed = (head.get("Paid at") or "").strip() or (head.get("Created at") or "").strip()
        orders.append(SimOrder(name, email, _when(placed, where), lines, discount))
    if len(currencies) > 1:
        raise InvalidInput(f"The orders are in several currencies ({sorted(currencies)}).", ["orders"])
    return Orders(orders, skipped, next(iter(currencies), None))
