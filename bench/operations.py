"""Round trips and capacity of each API operation, through the real handlers, on warm functions.

Every request goes the storefront's way: the API Gateway emulation, the Lambda authorizer, the
route's handler, the layer, DynamoDB Local. A first pass warms what a warm Lambda has already warmed
(handler modules, the DynamoDB client and its connections, the program, reward and API-key caches);
the measured passes then count what each request costs once the function is warm.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.counting import Capacity
from bench.scenario import Storefront
from bench.stack import quiet_stdout

OPERATIONS = ("enroll", "accrue", "redeem", "member_read", "activity_page")
PASSES = 3  # measured passes per operation, after the warm-up pass


@dataclass
class Sample:
    round_trips: int
    calls: list[str]
    wcu: float
    wcu_table: float
    wcu_indexes: float
    rcu: float


def _measure(call: Callable[[], Any]) -> Sample:
    with quiet_stdout(), Capacity() as counted:
        call()
    return Sample(
        round_trips=counted.round_trips,
        calls=list(counted.operations),
        wcu=counted.write_units,
        wcu_table=counted.table_write_units,
        wcu_indexes=counted.index_write_units,
        rcu=counted.read_units,
    )


def _steps(shop: Storefront, member_id: str) -> dict[str, Callable[[], Any]]:
    """One member's life: enroll, earn, spend, look at the balance and the activity."""
    return {
        "enroll": lambda: shop.enroll(member_id),
        "accrue": lambda: shop.accrue(f"order-{member_id}", member_id),
        "redeem": lambda: shop.redeem(member_id, f"redemption-{member_id}"),
        "member_read": lambda: shop.member(member_id),
        "activity_page": lambda: shop.activity(member_id),
    }


def run(shop: Storefront) -> dict[str, dict[str, Any]]:
    for step in _steps(shop, "ops-warmup").values():
        _measure(step)  # warm-up: nothing recorded
    samples: dict[str, list[Sample]] = {name: [] for name in OPERATIONS}
    for index in range(PASSES):
        for name, step in _steps(shop, f"ops-{index}").items():
            samples[name].append(_measure(step))
    results: dict[str, dict[str, Any]] = {}
    for name, taken in samples.items():
        worst = max(taken, key=lambda sample: (sample.round_trips, sample.wcu, sample.rcu))
        results[name] = {
            "round_trips": worst.round_trips,
            "wcu": worst.wcu,
            "rcu": worst.rcu,
            "wcu_table": worst.wcu_table,
            "wcu_indexes": worst.wcu_indexes,
            "calls": worst.calls,
            "stable": len({(s.round_trips, s.wcu, s.rcu) for s in taken}) == 1,
        }
    return results
