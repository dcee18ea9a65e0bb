"""The contract's events from the real use cases: enroll, order (tier up), refund, redeem, use, cancel,
adjust, expire, as a webhook subscriber receives them (the ledger's writes carry the outbox the stream publishes)."""

from __future__ import annotations

import json
from datetime import timedelta

from standardwebhooks.webhooks import Webhook as Verifier

from harness.api import Api
from local.template import Template
from loyalty.adapters import clock
from loyalty.services.jobs import catalog, runner
from tests.service.events import helpers


def test_a_members_day_reaches_the_subscriber_as_the_contracts_events_in_order(
    events_env: str, admin_api: Api, api: Api, template: Template
) -> None:
    # The subscriber checks the signature's timestamp against its own wall clock: run on that clock.
    clock.set_clock(None)
    with helpers.receiver([500, 500, 500]) as subscriber:
        secret = admin_api.put("/v1/admin/webhooks/crm", {"url": subscriber.url, "events": ["*"]}).body["secret"]
        assert api.post("/v1/members", {"member_id": "ada", "email": "ada@example.com"}).status == 201
        placed = clock.now().isoformat(timespec="seconds")
        line = {"sku": "SKU-LAPTOP", "category": "electronics", "quantity": 1, "unit_price_minor": 89900}
        order = {"order_id": "o-1", "member_id": "ada", "currency": "USD", "placed_at": placed, "lines": [line]}
        assert api.post("/v1/orders", order).status == 201
        assert api.post("/v1/orders/o-1/refunds", {"refund_id": "r-1", "amount_minor": 10000}).status == 201
        reward = {"name": "Coffee", "kind": "voucher", "cost_points": 100, "active": True, "stock": 10}
        assert admin_api.put("/v1/admin/rewards/coffee", reward).status == 201
        assert api.post("/v1/members/ada/redemptions", {"redemption_id": "rd-1", "reward_id": "coffee"}).status == 201
        assert api.post("/v1/redemptions/rd-1/use").status == 200
        assert api.post("/v1/members/ada/redemptions", {"redemption_id": "rd-2", "reward_id": "coffee"}).status == 201
        assert api.post("/v1/redemptions/rd-2/cancel").status == 200
        adjustment = {"adjustment_id": "adj-1", "points": 25, "reason": "goodwill"}
        assert admin_api.post("/v1/admin/members/ada/adjustments", adjustment).status == 201
        # A year on, the expiry job: what is left of the order's points ends with its lot.
        later = clock.now() + timedelta(days=400)
        clock.set_clock(lambda: later)
        assert catalog.run_day("expire", later, runner.Budget(1000))["points_expired"] > 0
        clock.set_clock(None)
        helpers.publisher_poller(template).drain()
        helpers.drain_deliveries(template)
    verifier = Verifier(secret)
    bodies = [verifier.verify(r.body, r.headers) for r in subscriber.requests]
    ids = [body["id"] for body in bodies]
    unique = list(dict.fromkeys(ids))
    assert ids[:4] == [unique[0]] * 4 and ids[4:] == unique[1:], "retried three times, then each event once"
    assert [body["type"] for body in bodies[3:]] == [
        "member.enrolled",
        "points.earned",
        "tier.changed",
        "points.refunded",
        "points.redeemed",
        "redemption.issued",
        "redemption.used",
        "points.redeemed",
        "redemption.issued",
        "redemption.cancelled",
        "points.adjusted",
        "points.expired",
    ]
    earned, expired = bodies[4]["data"], bodies[-1]["data"]
    assert earned["balance"] == {"available": earned["points"], "pending": 0}, "points events carry the balance"
    assert expired["balance"]["available"] == 0 and expired["points"] > 0
    assert "ada@example.com" not in json.dumps(bodies)
