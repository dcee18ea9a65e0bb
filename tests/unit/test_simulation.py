"""The what-if simulator without the platform: its order files (a Shopify export as Shopify writes it,
JSON lines), the comparison of two programs, and the tier buckets' fast path against the general one."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from pathlib import Path

import pytest

from harness.orders import order_document
from harness.programs import program_document
from loyalty.domain import tiers
from loyalty.domain.errors import InvalidInput
from loyalty.models.program import Program
from loyalty.services import simulation, simulation_files

# A real export of a Shopify development store (Admin > Orders > Export), committed unchanged:
# tests/fixtures/SOURCES.md names where it comes from.
EXPORT = Path(__file__).parents[1] / "fixtures" / "shopify" / "orders_export.csv"


def program(**overrides: object) -> Program:
    return Program.model_validate(program_document(currency="EUR", **overrides))


def test_a_shopify_export_gives_its_paid_orders_of_known_customers() -> None:
    read = simulation_files.read(EXPORT.read_text(encoding="utf-8"))
    # 19 orders: 8 paid with an email; 10 paid guests (no Email) and #1013 pending are left out.
    assert (len(read.orders), read.skipped, read.currency) == (8, 11, "EUR")
    by_name = {order.order_id: order for order in read.orders}
    karine = by_name["#1005"]  # two line items: the second row holds only its line's columns
    assert karine.member_id == "karine.ruby@example.com"
    assert karine.placed_at.isoformat() == "2025-05-12T19:07:54+00:00"  # Paid at, -0400
    assert [(ln.sku, ln.category, ln.quantity, ln.unit_price_minor) for ln in karine.lines] == [
        ("The Multi-location Snowboard", "Test Cycle Sense App", 1, 73_883),
        ("The Videographer Snowboard", "Test Cycle Sense App", 1, 89_672),
    ]
    assert len(by_name["#1008"].lines) == 4
    assert by_name["#1008"].member_id == "russel.winfield@example.com"  # the email, lower case


def test_the_comparison_of_two_programs_over_the_export() -> None:
    read = simulation_files.read(EXPORT.read_text(encoding="utf-8"))
    answer = simulation.compare(program(), program(points_per_unit="2"), read.orders)
    current, proposed, difference = answer["current"], answer["proposed"], answer["difference"]
    assert (answer["orders"], answer["members"], answer["revenue_minor"]) == (8, 3, 321_000)
    # 1 point per euro: Karine's 1,635.55 earn 1,635 points, Ayumu's four orders 1,208, Russell's 387
    # (Silver from 1,000 qualifying points multiplies by 1.25 what follows).
    assert current["points_issued"] == 3_230
    assert current["members_by_tier"] == {"Bronze": 1, "Silver": 2, "Gold": 0}
    assert current["cost_rate"] == round(3_230 / 321_000, 6)
    assert proposed["points_issued"] > 2 * current["points_issued"] - 10
    assert difference["points_issued"] == proposed["points_issued"] - current["points_issued"]
    assert difference["top_gainers"][0]["member_id"] == "karine.ruby@example.com"
    assert difference["top_losers"] == []
    assert current["liability_minor_by_month"] == {"2025-05": 3_230}


def test_liability_by_month_counts_points_until_they_expire() -> None:
    orders = [
        order_document("o-1", price_minor=10_000, placed_at="2026-01-15T15:00:00Z"),
        order_document("o-2", price_minor=5_000, placed_at="2026-03-15T15:00:00Z"),
    ]
    read = simulation_files.read("\n".join(json.dumps(o) for o in orders))
    answer = simulation.compare(
        Program.model_validate(program_document(expiry_months=1)),
        Program.model_validate(program_document(expiry_months=None)),
        read.orders,
    )
    # o-1's 100 points expire at the end of 15 February; o-2's 50 points are held at the end of March.
    assert answer["current"]["liability_minor_by_month"] == {"2026-01": 100, "2026-02": 0, "2026-03": 50}
    assert answer["proposed"]["liability_minor_by_month"] == {"2026-01": 100, "2026-02": 100, "2026-03": 150}
    assert answer["difference"]["liability_minor_by_month"] == {"2026-01": 0, "2026-02": 100, "2026-03": 100}


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "Line 1 is not JSON"),
        (json.dumps({"order_id": "o", "member_id": "m", "placed_at": "2026-01-01T00:00:00Z", "lines": []}), "line 1"),
        (json.dumps(order_document("o-1", placed_at="2026-01-01T00:00:00")), "no UTC offset"),
        (
            json.dumps(
                order_document("o-1", lines=[{"sku": "A", "category": "c", "quantity": 0, "unit_price_minor": 1}])
            ),
            "at least 1",
        ),
    ],
)
def test_a_bad_line_is_refused_with_its_number(line: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        simulation_files.read(line)


def test_the_buckets_fast_path_builds_what_the_general_path_builds() -> None:
    rng = random.Random(5)
    for window in (20, 60, 365, 800):
        fast = tiers.Qualifying(tiers.bucket_days(window))
        day = date(2026, 1, 1)
        for _ in range(300):
            day += timedelta(days=rng.choice((0, 1, 2, 9, 40)))
            points = rng.choice((0, 5, 120))
            general = tiers._rebuilt(  # the general path, taken by hand
                {
                    **fast.by_bucket(),
                    tiers.bucket_of(day, fast.size): fast.by_bucket().get(tiers.bucket_of(day, fast.size), 0) + points,
                },
                fast.size,
                tiers._oldest(day, window),
            )
            fast = tiers.earn(fast, day, points, day, window)
            assert fast == general
            assert tiers.qualifying_points(fast, day, window) == general.total()
