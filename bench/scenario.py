"""What a storefront sends: the program, a key, a reward, and the request bodies of each operation.

Bodies follow the sample events in events/ (an order of headphones and socks, a coffee voucher).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bench.stack import Stack, quiet_stdout
from harness.api import Answer, Api
from harness.programs import program_document

REWARD_ID = "coffee-voucher"
# An unlimited reward (no stock, no per-member limit): the redemption the design's target is set for.
REWARD = {
    "name": "Free coffee",
    "kind": "free_product",
    "sku": "SKU-COFFEE",
    "cost_points": 150,
    "active": True,
}
# The same with a stock and a per-member limit (the bench redeems it many times, hence their size): its
# redemption also takes from the stock and counts the member's redemptions of it.
LIMITED_REWARD_ID = "coffee-once-a-day"
LIMITED_REWARD = {**REWARD, "name": "Coffee, limited per member", "stock": 1_000_000, "per_member_limit": 1_000_000}


class BenchError(RuntimeError):
    """An operation the benchmark drives did not succeed: its figures would mean nothing."""


def expect(answer: Answer, *statuses: int) -> Answer:
    if answer.status not in statuses:
        raise BenchError(f"expected {statuses}, got {answer.status}: {answer.body}")
    return answer


def placed_at() -> str:
    """Now, as a storefront stamps an order (a future or long-past date would change the rules)."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def enroll_body(member_id: str) -> dict[str, Any]:
    return {
        "member_id": member_id,
        "email": f"{member_id}@example.com",
        "name": "Grace Hopper",
        "marketing_opt_in": True,
        "locale": "en-US",
    }


def order_body(order_id: str, member_id: str, when: str | None = None) -> dict[str, Any]:
    """An order placed now, or at ``when`` (RFC 3339) when a benchmark moves the clock."""
    return {
        "order_id": order_id,
        "member_id": member_id,
        "currency": "USD",
        "placed_at": when or placed_at(),
        "lines": [
            {"sku": "SKU-HEADPHONES", "category": "electronics", "quantity": 1, "unit_price_minor": 19999},
            {"sku": "SKU-SOCKS", "category": "apparel", "quantity": 3, "unit_price_minor": 1299},
        ],
        "discount_minor": 1000,
    }


def redeem_body(redemption_id: str, reward_id: str = REWARD_ID) -> dict[str, Any]:
    return {"redemption_id": redemption_id, "reward_id": reward_id}


@dataclass
class Storefront:
    """A storefront's API client on a configured program (program, storefront key, one reward)."""

    api: Api

    @classmethod
    def open(cls, stack: Stack) -> Storefront:
        admin = Api(stack.template, stack.admin_key)
        with quiet_stdout():
            expect(admin.put("/v1/admin/program", program_document()), 200)
            key = expect(admin.post("/v1/admin/keys", {"scope": "storefront", "label": "bench"}), 201).body["key"]
            expect(admin.put(f"/v1/admin/rewards/{REWARD_ID}", REWARD), 200, 201)
            expect(admin.put(f"/v1/admin/rewards/{LIMITED_REWARD_ID}", LIMITED_REWARD), 200, 201)
        return cls(Api(stack.template, key))

    def enroll(self, member_id: str) -> Answer:
        return expect(self.api.post("/v1/members", enroll_body(member_id)), 201)

    def accrue(self, order_id: str, member_id: str, when: str | None = None) -> Answer:
        return expect(self.api.post("/v1/orders", order_body(order_id, member_id, when)), 201)

    def redeem(self, member_id: str, redemption_id: str, reward_id: str = REWARD_ID) -> Answer:
        body = redeem_body(redemption_id, reward_id)
        return expect(self.api.post(f"/v1/members/{member_id}/redemptions", body), 201)

    def member(self, member_id: str) -> Answer:
        return expect(self.api.get(f"/v1/members/{member_id}"), 200)

    def activity(self, member_id: str) -> Answer:
        return expect(self.api.get(f"/v1/members/{member_id}/activity"), 200)
