"""Program KPIs from daily counters: which counters an order adds, and the KPIs of a range of days.

An order booked on day ``d`` by a member whose previous order was on day ``p`` adds ``gap<d - p>``
(``first_orders`` when it is the member's first), and a member's second order adds ``second<d - p>``.
Over a range ``[F, T]`` (at most 366 days):

- a member is active when it ordered in the range: counted once, at its first order in the range,
  which is an order whose previous one lies before ``F`` (``gap > d - F``) or that is its first ever;
- a member is a repeat buyer when it has ordered at least twice by the end of the range: an active
  member that had ordered before ``F``, or whose first order in the range was its first ever and whose
  second came within the range (``second`` with ``gap <= d - F``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction

GAP_CAP = 400
MAX_RANGE_DAYS = 366


def order_counters(
    last_order_on: str | None, orders_count: int, today: date, net_minor: Fraction
) -> dict[str, Decimal]:
    """The counters one order adds to its booking day (revenue: its amount after discounts, to a
    millionth of a minor unit)."""
    revenue = (Decimal(net_minor.numerator) / Decimal(net_minor.denominator)).quantize(Decimal("0.000001"))
    counters = {"orders": Decimal(1), "revenue_m": revenue}
    if last_order_on is None:
        counters["first_orders"] = Decimal(1)
        return counters
    gap = min((today - date.fromisoformat(last_order_on)).days, GAP_CAP)
    gap = max(gap, 0)
    counters[f"gap{gap}"] = Decimal(1)
    if orders_count == 1:
        counters[f"second{gap}"] = Decimal(1)
    return counters


@dataclass(frozen=True)
class OrderFigures:
    orders: int
    revenue_minor: Decimal
    members_active: int
    repeat_members: int


def order_figures(first: date, days: Mapping[date, Mapping[str, Decimal]]) -> OrderFigures:
    """The order KPIs of the days given (each day's counters summed over shards), for a range that
    starts on ``first``."""
    orders = 0
    revenue = Decimal(0)
    active = repeat = 0
    for day, counters in days.items():
        offset = (day - first).days
        orders += int(counters.get("orders", 0))
        revenue += Decimal(counters.get("revenue_m", 0))
        active += int(counters.get("first_orders", 0))
        for name, count in counters.items():
            if name.startswith("gap") and int(name[3:]) > offset:
                active += int(count)
                repeat += int(count)
            elif name.startswith("second") and int(name[6:]) <= offset:
                repeat += int(count)
    return OrderFigures(orders, revenue, active, repeat)


def ratio(numerator: int | Decimal, denominator: int | Decimal, places: int = 4) -> Decimal:
    if not denominator:
        return Decimal(0)
    quantum = Decimal(1).scaleb(-places)
    return (Decimal(numerator) / Decimal(denominator)).quantize(quantum, rounding=ROUND_HALF_EVEN)
