"""The store's shared shapes (loyalty.store.items, loyalty.store.cursors), without DynamoDB: a record read
back from what it stores is the record written; placeholders go where DynamoDB wants them; a cursor is
taken back only by the list that gave it out."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest

from loyalty.domain.refunds import Paid
from loyalty.domain.valuation import Portion
from loyalty.store import cursors, items
from loyalty.store.client import from_item, to_item
from loyalty.store.entries import AdjustmentRecord, EntryFields
from loyalty.store.imports import ImportRecord
from loyalty.store.integrations import ConnectionRecord
from loyalty.store.orders import Bonus, OrderLine, OrderRecord, RefundRecord, RefundSummary
from loyalty.store.platform_events import EventRecord
from loyalty.store.redemptions import RedemptionRecord
from loyalty.store.referrals import ReferralRecord
from loyalty.store.rewards import RewardRecord
from loyalty.store.webhooks import DeliveryRecord, WebhookRecord

ENTRY = EntryFields("ada", "earn", "o-1", 120, 340, "2026-11-20T10:00:00Z", key_id="k-1")

RECORDS: list[Any] = [
    ENTRY,
    OrderRecord(
        order_id="o-1",
        member_id="ada",
        placed_at="2026-11-20T10:00:00Z",
        points=120,
        credited=100,
        status="pending",
        available_at="2026-12-04T10:00:00Z",
        lines=[OrderLine("sku-1", 2, 120, ["base", "double"], "120")],
        bonuses=[Bonus("fall", 20, limited=True), Bonus("welcome", 5)],
        net_total="4999",
        earned_day="2026-11-20",
        expires_on="2027-11-30",
        pending_left=80,
        entry=ENTRY,
        matures_on="2026-12-04",
        reversed=40,
        refunded_share="1/3",
        refunded_value="1666.33",
        refunded_qty={"sku-1": 1},
        refunds=[RefundSummary("r-1", 40, "2026-11-21T10:00:00Z")],
        version=3,
        answered_status="pending",
        paid=Paid("EUR", 4999, 5499, "USD", 5900),
        refunded_paid="1/3",
    ),
    RefundRecord("r-1", "o-1", 40, 0, 1666, [{"sku": "sku-1", "quantity": 1}], ENTRY),
    RedemptionRecord(
        "x-1",
        "gift",
        "ada",
        "ABCDEFGHJKMNPQ",
        500,
        "issued",
        "2026-11-20T10:00:00Z",
        {"2027-01-17": 500},
        True,
        False,
        ENTRY,
        valued={Portion("2027-01-17", "sale", Decimal("0.5")): 500},
    ),
    AdjustmentRecord("a-1", "goodwill", "admin", ENTRY),
    WebhookRecord("crm", "https://example.com/h", ["*"], True, b"new", "t0", "t1", b"old", "t2"),
    DeliveryRecord("crm", "ada:1:0", "t0", "d-1", "points.earned", "ada", "t0", "failed", 3, 500, "boom", None, 99),
    EventRecord(
        "shop", "shopify:9", "o-1", "shopify", "refunds/create", "refund", "{}", "held", None, "t0", "t0", 0, "d"
    ),
    ImportRecord("i-1", "running", "t0", "k-1", "imports/i-1.csv", "etag", 10, 2, True, 1, 7, 2),
    ReferralRecord("bob", "ADA-CODE", "completed", "o-9", "2026-12-01", 2, "t0", True, "ada"),
    ConnectionRecord("shop", "shopify", "email", True, b"secret", "t0", "t1", {"sku-1": "shoes"}),
    RewardRecord("gift", {"name": "Gift", "cost_points": 500, "active": True}, 7, 4, 0, "t0"),
]


@pytest.mark.parametrize("record", RECORDS, ids=lambda record: type(record).__name__)
def test_a_record_reads_back_as_it_was_written(record: Any) -> None:
    stored = from_item(to_item(record.to_item()))  # what DynamoDB would give back
    assert type(record).from_item(stored) == record


@dataclass(frozen=True)
class Sample:
    name: str
    count: int
    kept: dict[str, int]
    note: str | None
    active: bool = True
    tags: list[str] = field(default_factory=list)


def test_build_makes_each_field_its_type_and_fills_what_is_absent() -> None:
    built = items.build(Sample, {"name": "a", "count": Decimal(3), "kept": {"x": Decimal(2)}, "other": 1})
    assert built == Sample("a", 3, {"x": 2}, None)
    assert isinstance(built.count, int) and isinstance(built.kept["x"], int)
    assert items.build(Sample, {"count": 1, "kept": {}}, name="given") == Sample("given", 1, {}, None)
    with pytest.raises(KeyError, match="count"):
        items.build(Sample, {"name": "a", "kept": {}})


def test_placeholders_are_split_into_names_and_values() -> None:
    request = items.update_tx("role", {"PK": "A", "SK": "B"}, "SET #s = :s", "#s <> :s", {"#s": "status", ":s": "x"})
    update = request.request["Update"]
    assert update["ExpressionAttributeNames"] == {"#s": "status"}
    assert update["ExpressionAttributeValues"] == {":s": {"S": "x"}}
    assert "ReturnValuesOnConditionCheckFailure" not in update
    with pytest.raises(ValueError, match="placeholder"):
        items.update_tx("role", {"PK": "A", "SK": "B"}, "SET #s = :s", None, {"s": "x"})


NAMES = frozenset({"PK", "SK"})


def ours(key: dict[str, str]) -> bool:
    return key["PK"] == "WEBHOOK#crm"


def test_a_cursor_comes_back_only_to_its_own_list() -> None:
    last = {"PK": {"S": "WEBHOOK#crm"}, "SK": {"S": "DELIVERY#t0#e"}}
    cursor = cursors.encode(last)
    assert cursor is not None and cursors.decode(cursor, NAMES, ours) == last
    others = cursors.encode({"PK": {"S": "WEBHOOK#erp"}, "SK": {"S": "DELIVERY#t0#e"}})
    for refused in (others, "bm90LW91cnM", "%%%", cursor[:-4]):
        with pytest.raises(ValueError, match="not one this API gave out"):
            cursors.decode(str(refused), NAMES, ours)
