"""GET /v1/me/balance for a member with a year of history: daily orders, monthly redemptions, weekly
refunds and the expiry runs of 3-month points. Its remainders by expiry day add up to ``available``, and
it costs one Query of the member's partition (the profile and every lot), whatever the history."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from harness.counting import DynamoCalls
from loyalty.adapters import clock
from loyalty.models.member import EnrollRequest
from loyalty.models.order import OrderRequest, RefundRequest
from loyalty.services import accrual, me, members, refunds
from tests.auditing import audit_clean
from tests.rewarding import configure, redeem, reward
from tests.service.jobs.conftest import run

# The real engine (as tests/integration/test_long_history.py): moto keeps growing copies of a table this
# busy (gigabytes over a year of transactions), and the one-Query claim is the engine's to prove.
pytestmark = [pytest.mark.engine, pytest.mark.parametrize("aws", ["dynamodb-local"], indirect=True)]

START = date(2026, 1, 1)
DAYS = 365


def at(day: date, hour: int, second: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC) + timedelta(seconds=second)


def order(index: int, day: date) -> OrderRequest:
    price = 1_000 + 250 * (index % 5)
    return OrderRequest.model_validate(
        {
            "order_id": f"o-{index:03d}",
            "member_id": "m-1",
            "currency": "USD",
            "placed_at": at(day, 15).isoformat(),
            "lines": [{"sku": "SKU", "category": "shoes", "quantity": 1, "unit_price_minor": price}],
        }
    )


def a_year_of_history(days: int = DAYS) -> None:
    """An order every day; every 7th day a refund of half of the week's first order; every 30th day a
    redemption of 100 points; the expiry run every morning, as its schedule runs it (points expire after
    3 months)."""
    configure(expiry_months=3)
    clock.set_clock(lambda: at(START, 14))
    members.enroll(EnrollRequest(member_id="m-1", email="ada@example.com"))
    reward("coffee", 100)
    for index in range(days):
        day = START + timedelta(days=index)
        run("expire", f"{day.isoformat()} 00:15")  # sets the clock to that morning
        clock.set_clock(lambda day=day: at(day, 15, 30))
        accrual.accrue(order(index, day))
        if index % 7 == 6:
            refunds.refund(f"o-{index - 6:03d}", RefundRequest(refund_id=f"r-{index:03d}", amount_minor=500))
        if index % 30 == 29:
            redeem("m-1", f"x-{index:03d}", "coffee")


def test_the_remainders_add_up_to_the_balance_in_one_query(aws: str) -> None:
    a_year_of_history()
    last = START + timedelta(days=DAYS - 1)
    clock.set_clock(lambda: at(last, 20))
    member = members.get("m-1")
    expired = [entry for entry in me.activity_page("m-1", 100, None).items if entry.kind == "expire"]
    assert expired, "nothing expired: the scenario does not test what it says"

    with DynamoCalls() as calls:
        balance = me.balance("m-1")

    assert calls.operations == ["Query"]
    assert balance.available == member.points.available > 0
    assert sum(lot.remaining for lot in balance.lots) == balance.available
    days = [lot.expires_on for lot in balance.lots]
    assert days == sorted(days) and len(days) == len(set(days))
    # 3-month points and a run every morning: only days still ahead hold points, about 90 of them.
    assert all(day is not None and day >= last.isoformat() for day in days)
    assert 80 <= len(days) <= 93
    assert balance.pending == []
    audit_clean()
