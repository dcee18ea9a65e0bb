"""The simulator's "current" column is what the platform credits: a history built through the API (orders
over nine months, campaigns with windows, a minimum order, a member limit and tiers, tiers moving, points
leaving the tier window) replayed by loyalty.services.simulation gives every member exactly the points
and the tier the platform gave. No budgets, adjustments, referrals or program changes (docs/simulator.md)."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from harness.api import Api
from harness.programs import program_document
from loyalty.adapters import clock
from loyalty.models.program import Program
from loyalty.services import simulation, simulation_files

pytestmark = pytest.mark.engine

MEMBERS = [f"m-{n}" for n in range(6)]
CATALOGUE = [
    ("SHOE", "shoes", 4_999),
    ("TV", "electronics", 29_900),
    ("CIG", "tobacco", 1_200),
    ("GIFT", "gifts", 2_500),
]


def history_program() -> dict[str, Any]:
    return program_document(
        tier_window_days=60,  # week buckets: points leave the window during the history
        tiers=[
            {"name": "Bronze", "threshold": 0, "multiplier": 1},
            {"name": "Silver", "threshold": 1_000, "multiplier": 1.25},
            {"name": "Gold", "threshold": 3_000, "multiplier": 1.5},
        ],
        campaigns=[
            {
                "campaign_id": "june-tv",
                "multiplier": 2,
                "categories": ["electronics"],
                "starts_at": "2026-06-01T04:00:00Z",
                "ends_at": "2026-07-01T04:00:00Z",
                "min_order_minor": 10_000,
                "per_member_limit": 2,
            },
            {
                "campaign_id": "autumn-vip",
                "bonus_points": 50,
                "tiers": ["Silver", "Gold"],
                "starts_at": "2026-09-01T04:00:00Z",
                "ends_at": "2026-11-01T04:00:00Z",
            },
        ],
    )


def history(count: int = 90, seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    start = datetime(2026, 2, 1, 12, tzinfo=UTC)
    orders = []
    for index in range(count):
        placed = start + timedelta(hours=rng.randint(0, 23), days=index * 3)
        lines = [
            {"sku": sku, "category": category, "quantity": rng.randint(1, 3), "unit_price_minor": price}
            for sku, category, price in rng.sample(CATALOGUE, rng.randint(1, 3))
        ]
        orders.append(
            {
                "order_id": f"o-{index}",
                "member_id": rng.choice(MEMBERS),
                "currency": "USD",
                "placed_at": placed.isoformat().replace("+00:00", "Z"),
                "discount_minor": rng.choice([0, 0, 0, 1_000]),
                "lines": lines,
            }
        )
    return orders


def test_the_current_column_is_what_the_platform_credited(admin_api: Api, api: Api) -> None:
    assert admin_api.put("/v1/admin/program", history_program()).status == 200
    for member_id in MEMBERS:
        assert api.post("/v1/members", {"member_id": member_id, "email": f"{member_id}@example.com"}).status == 201
    orders = history()
    answers = []
    for body in orders:
        # Sent a minute after it was placed: the accrual's "today" is the order's day, as the replay assumes.
        placed = datetime.fromisoformat(body["placed_at"])
        clock.set_clock(lambda placed=placed: placed + timedelta(minutes=1))
        answer = api.post("/v1/orders", body)
        assert answer.status == 201, answer.body
        answers.append(answer.body)
    credited = {m: api.get(f"/v1/members/{m}").body for m in MEMBERS}

    program = Program.model_validate(admin_api.get("/v1/admin/program").body)
    read = simulation_files.read("\n".join(json.dumps(body) for body in orders))
    replayed = simulation.replay(program, sorted(read.orders, key=lambda o: o.placed_at))

    assert replayed.by_member == {m: credited[m]["points"]["lifetime_earned"] for m in MEMBERS}
    assert replayed.tiers == {m: credited[m]["tier"]["name"] for m in MEMBERS}
    # The history is rich enough to mean something: tiers moved and both campaigns paid.
    assert {"Silver", "Gold"} & set(replayed.tiers.values())
    assert any(b["campaign_id"] == "autumn-vip" for a in answers for b in a["bonuses"])
    assert any("campaign:june-tv" in rule for a in answers for line in a["breakdown"] for rule in line["rules"])
    answer = simulation.compare(program, program, read.orders)
    assert answer["current"] == answer["proposed"]
    assert answer["current"]["points_issued"] == sum(replayed.by_member.values())
