"""Orders of customers who are not members (``POST /v1/guest-orders``, and the platforms' orders that
credit nobody): kept only for the experiments report's non-member group.

Only a keyed hash of the customer is stored (HMAC-SHA256 with a secret the platform made for itself:
loyalty.store.secrets, as the inbound bodies' subjects are keyed), never an email or a name; the same
customer sent by id or by email makes two hashes (the shop chooses what it sends). The item's stream
record carries the order to the aggregates (loyalty.services.impact). Idempotent by ``order_id``: the
same body again answers 200, another body for that id 409.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from loyalty.adapters import clock
from loyalty.domain import calendar
from loyalty.domain.errors import Conflict, InvalidInput
from loyalty.domain.refunds import Paid
from loyalty.models.common import rfc3339
from loyalty.models.experiments import GuestOrder, GuestOrderRequest
from loyalty.services import program as programs
from loyalty.services.integrations.mapping import Customer
from loyalty.store import impact as store
from loyalty.store import secrets

SECRET_NAME = "customer-refs"  # noqa: S105 - which secret item, not a secret itself
FUTURE_SKEW = timedelta(minutes=5)


class GuestOrderConflict(Conflict):
    code, title = "idempotency_conflict", "This order id was already used for another order"


def customer_hash(customer_ref: str) -> str:
    """The keyed hash of a shop's customer id or email (an email's case and spaces ignored)."""
    text = customer_ref.strip()
    if "@" in text:
        text = text.lower()
    return hmac.new(secrets.cached(SECRET_NAME), b"customer\n" + text.encode(), hashlib.sha256).hexdigest()[:32]


@dataclass(frozen=True)
class Recorded:
    order: GuestOrder
    created: bool


def record(request: GuestOrderRequest) -> Recorded:
    program = programs.current()
    if request.currency != program.currency:
        raise InvalidInput(f"This program's currency is {program.currency}.", ["body", "currency"])
    if request.placed_at > clock.now() + FUTURE_SKEW:
        raise InvalidInput("placed_at is in the future: an order is sent once it is placed.", ["body", "placed_at"])
    return put(
        request.order_id, customer_hash(request.customer_ref), request.currency, request.placed_at, request.total_minor
    )


def put(order_id: str, hashed: str, currency: str, placed_at: datetime, total_minor: int) -> Recorded:
    """The order, once (a platform's order of a non-member comes here too, its customer already hashed)."""
    month = calendar.local_day(placed_at, programs.current().zone).isoformat()[:7]
    item = {
        **store.guest_key(order_id),
        "h": hashed,
        "m": month,
        "total": total_minor,
        "currency": currency,
        "placed_at": rfc3339(placed_at),
    }
    order = GuestOrder(order_id=order_id, currency=currency, placed_at=item["placed_at"], total_minor=total_minor)
    if store.put_guest_order(item):
        return Recorded(order, True)
    existing = store.guest_order(order_id) or {}
    if any(existing.get(name) != item[name] for name in ("h", "total", "currency", "placed_at")):
        raise GuestOrderConflict(f"order {order_id} was already recorded with another body")
    return Recorded(order, False)


def record_platform_order(
    order_id: str, connection_id: str, customer: Customer, placed: str | None, paid: Paid | None
) -> bool:
    """A platform's order of a customer who is no member (and not enrolled), recorded as a non-member's:
    its goods as the platform priced them (what a member's order counts), the customer by email (the
    same hash as a storefront's email) or else by the platform's id. Left out (False) when it names no
    customer, no total or no date, or is in another currency than the program's."""
    program = programs.current()
    if paid is None or placed is None or paid.currency != program.currency:
        return False
    if customer.email:
        hashed = customer_hash(customer.email)
    elif customer.customer_id:
        hashed = customer_hash(f"{connection_id}\n{customer.customer_id}")
    else:
        return False
    moment = datetime.fromisoformat(placed)
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    try:
        put(order_id, hashed, paid.currency, moment, max(paid.goods, 0))
    except GuestOrderConflict:
        return False  # the platform sent the order again, changed: the first one counts
    return True
