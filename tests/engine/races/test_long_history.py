"""A member who shopped on 365 different days, 1,000 orders in all: every operation on its balance still
fits one transaction and succeeds in one call, and its items stay small (DynamoDB Local: the real
engine's 100-item and 400 KB limits)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from loyalty.adapters import clock
from loyalty.models.adjustment import AdjustmentRequest
from loyalty.models.member import EnrollRequest
from loyalty.models.order import OrderRequest, RefundRequest
from loyalty.services import accrual, adjustments, members, redemptions, refunds
from loyalty.store import keys, member_reads
from loyalty.store.client import dynamodb
from tests.auditing import audit_clean
from tests.conftest import table_items
from tests.rewarding import configure, redeem, reward
from tests.service.jobs.conftest import run

pytestmark = pytest.mark.parametrize("aws", ["dynamodb-local"], indirect=True)

START = date(2026, 1, 1)
ORDERS = 1_000
DAYS = 365
ACTOR = adjustments.Actor(key_id=None, label="support")


class TransactionSizes:
    """The number of items of every TransactWriteItems the layer sends."""

    def __init__(self) -> None:
        self.sizes: list[int] = []

    def _before(self, params: dict[str, Any], **_: Any) -> None:
        self.sizes.append(len(params.get("TransactItems", [])))

    def __enter__(self) -> TransactionSizes:
        dynamodb().meta.events.register("provide-client-params.dynamodb.TransactWriteItems", self._before)
        return self

    def __exit__(self, *_: object) -> None:
        dynamodb().meta.events.unregister("provide-client-params.dynamodb.TransactWriteItems", self._before)


def at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def shop_for_a_year() -> None:
    """1,000 orders of 1.00 to 3.00 USD on 365 consecutive days, each placed and recorded at once."""
    clock.set_clock(lambda: at(START, 14))
    members.enroll(EnrollRequest(member_id="m-1", email="ada@example.com"))
    for index in range(ORDERS):
        day = START + timedelta(days=index * DAYS // ORDERS)
        moment = at(day, 14) + timedelta(seconds=index)  # time moves forward, order after order
        clock.set_clock(lambda moment=moment: moment)
        order = {
            "order_id": f"o-{index:04d}",
            "member_id": "m-1",
            "currency": "USD",
            "placed_at": moment.isoformat(),
            "lines": [{"sku": "SKU", "category": "shoes", "quantity": 1, "unit_price_minor": 100 + 100 * (index % 3)}],
        }
        accrual.accrue(OrderRequest.model_validate(order))


@pytest.fixture
def shopper(aws: str) -> Iterator[None]:
    configure()
    shop_for_a_year()
    yield
    audit_clean()


def balance() -> int:
    return members.get("m-1").points.available


def test_a_years_history_fits_every_operation_in_one_transaction(shopper: None) -> None:
    state = member_reads.read("m-1", "all")
    assert state is not None
    assert len({day[:7] for day in state.lots}) == 12  # 365 expiry days in 12 month items
    assert len(state.lots) == DAYS
    total = balance()
    assert total == sum(state.lots.values()) >= ORDERS
    last_day = START + timedelta(days=DAYS - 1)
    clock.set_clock(lambda: at(last_day, 20))
    reward("everything", total)

    with TransactionSizes() as sizes:
        redeemed = redeem("m-1", "all", "everything")  # the whole balance: every day's points, in one call
        assert redeemed.created and balance() == 0
        redemptions.cancel("all")
        assert balance() == total
        most = AdjustmentRequest(adjustment_id="a-1", points=-(total - 10), reason="correction")
        debit = adjustments.adjust("m-1", most, ACTOR)
        assert debit.created and balance() == 10
        refunded = refunds.refund("o-0000", RefundRequest(refund_id="rf-1", amount_minor=100))
        assert refunded.created and refunded.result.points_reversed == 1 and balance() == 9
    assert max(sizes.sizes) <= 100 and len(sizes.sizes) == 4
    assert max(sizes.sizes) <= 2 + 14 + 3  # the entry, the member, a lot per expiry month, a few others

    # The soonest day that still holds points (the debit took the earlier ones) expires in one run.
    left = member_reads.read("m-1", "all")
    assert left is not None and sum(left.lots.values()) == balance()
    soonest = min(left.lots)
    after_it = date.fromisoformat(soonest) + timedelta(days=1)
    expired = run("expire", f"{after_it.isoformat()} 00:15")
    assert (expired["failures"], expired["days_expired"], expired["points_expired"]) == (0, 1, left.lots[soonest])

    for item in table_items(dynamodb()):
        size = len(str(item).encode())  # a generous over-estimate of the item's stored size
        if item["PK"]["S"] == keys.member_partition("m-1") and item["SK"]["S"] == keys.PROFILE:
            assert size < 2048, size
        assert size < 16 * 1024, item["PK"]
