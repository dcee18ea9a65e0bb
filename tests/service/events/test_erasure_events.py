"""An erasure as a webhook subscriber and a bus consumer see it: the forfeit, then member.erased, with
no personal data in either, and nothing about the member after it."""

from __future__ import annotations

import json

from standardwebhooks.webhooks import Webhook as Verifier

from harness.api import Api
from local.template import Template
from loyalty.adapters import clock
from tests.service.events import helpers


def test_an_erasure_is_published_as_the_forfeit_and_member_erased_with_no_personal_data(
    events_env: str, admin_api: Api, api: Api, template: Template
) -> None:
    clock.set_clock(None)
    tap = helpers.create_tap()
    with helpers.receiver() as subscriber:
        secret = admin_api.put("/v1/admin/webhooks/crm", {"url": subscriber.url, "events": ["*"]}).body["secret"]
        enrolled = {"member_id": "ada", "email": "Ada@Example.com", "name": "Ada Lovelace", "locale": "en-GB"}
        assert api.post("/v1/members", enrolled).status == 201
        placed = clock.now().isoformat(timespec="seconds")
        line = {"sku": "SKU-SHOE", "category": "shoes", "quantity": 1, "unit_price_minor": 12000}
        order = {"order_id": "o-1", "member_id": "ada", "currency": "USD", "placed_at": placed, "lines": [line]}
        assert api.post("/v1/orders", order).status == 201
        assert admin_api.delete("/v1/admin/members/ada").status == 204
        assert admin_api.delete("/v1/admin/members/ada").status == 204  # a second one publishes nothing
        helpers.publisher_poller(template).drain()
        helpers.drain_deliveries(template)
    verifier = Verifier(secret)
    bodies = [verifier.verify(r.body, r.headers) for r in subscriber.requests]
    assert [body["type"] for body in bodies] == ["member.enrolled", "points.earned", "points.adjusted", "member.erased"]
    forfeit, erased = bodies[2], bodies[3]
    assert forfeit["data"] == {
        "adjustment_id": "erasure",
        "points": -120,
        "reason": "erasure",
        "balance": {"available": 0, "pending": 0},
    }
    assert erased["data"] == {} and erased["member_id"] == "ada"
    on_the_bus = [message["detail"] for message in helpers.tapped(tap)]
    assert [event["type"] for event in on_the_bus] == [body["type"] for body in bodies]
    for text in [json.dumps(body) for body in bodies + on_the_bus]:
        assert "ada@example.com" not in text.lower() and "Lovelace" not in text and "en-GB" not in text
