"""The what-if simulator's speed: orders replayed per second by the pure replay (no DynamoDB).

Target (issue 23): a million orders in under a minute on one core of the development machine, for the
whole comparison (the orders replayed under the current program and under the proposed one). To keep the
bench short it replays ``ORDERS`` orders (200,000) under both programs and extrapolates linearly to a
million (the replay is linear: one pass, one member state each); the table says so.

The history is synthetic but shaped like a shop's: 20,000 members, one to three lines per order, a
category multiplier, an excluded category, a running campaign with a minimum order and a per-member
limit, three tiers over a 365-day window, 12-month expiry; the proposed program doubles the campaign's
multiplier and lowers the Silver threshold.
"""

from __future__ import annotations

import random
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

ORDERS = 200_000
MEMBERS = 20_000
MILLION = 1_000_000
TARGET_S = 60.0
START = datetime(2025, 1, 1, tzinfo=UTC)


def programs() -> tuple[Any, Any]:
    from harness.programs import program_document
    from loyalty.models.program import Program

    campaign = {
        "campaign_id": "spring",
        "multiplier": 2,
        "bonus_points": 50,
        "starts_at": "2025-03-01T00:00:00Z",
        "ends_at": "2025-06-01T00:00:00Z",
        "min_order_minor": 5_000,
        "per_member_limit": 3,
    }
    current = Program.model_validate(program_document(campaigns=[campaign]))
    tiers = [
        {"name": "Bronze", "threshold": 0, "multiplier": 1},
        {"name": "Silver", "threshold": 500, "multiplier": 1.25},
        {"name": "Gold", "threshold": 5000, "multiplier": 1.5},
    ]
    proposed = Program.model_validate(program_document(campaigns=[{**campaign, "multiplier": 3}], tiers=tiers))
    return current, proposed


def orders(count: int = ORDERS, seed: int = 23) -> list[Any]:
    from loyalty.domain.earning import OrderLine
    from loyalty.services.simulation import SimOrder

    rng = random.Random(seed)
    catalogue = [
        ("SKU-1", "shoes", 4_999),
        ("SKU-2", "electronics", 19_900),
        ("SKU-3", "tobacco", 1_200),
        ("SKU-4", "books", 1_550),
        ("SKU-GIFTCARD", "gifts", 5_000),
    ]
    step = timedelta(days=365) / count
    found = []
    for index in range(count):
        lines = tuple(
            OrderLine(sku, category, rng.randint(1, 3), price)
            for sku, category, price in rng.sample(catalogue, rng.randint(1, 3))
        )
        found.append(
            SimOrder(
                f"o-{index}",
                f"m-{rng.randrange(MEMBERS)}",
                (START + step * index).replace(microsecond=0),
                lines,
                rng.choice((0, 0, 0, 500)),
            )
        )
    return found


def run(count: int = ORDERS) -> dict[str, Any]:
    from loyalty.services import simulation

    current, proposed = programs()
    history = orders(count)
    started = time.process_time()
    answer = simulation.compare(current, proposed, history)
    seconds = time.process_time() - started
    per_s = 2 * count / seconds  # orders replayed: each order once under each program (CPU time: one core)
    million_s = seconds * MILLION / count
    return {
        "orders": count,
        "members": answer["members"],
        "seconds": round(seconds, 2),
        "replays_per_s": round(per_s),
        "million_orders_s": round(million_s, 1),
        "target_s": TARGET_S,
        "extrapolated": count != MILLION,
    }


def main(argv: list[str]) -> int:
    import json

    count = int(argv[0]) if argv else ORDERS
    print(json.dumps(run(count), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
