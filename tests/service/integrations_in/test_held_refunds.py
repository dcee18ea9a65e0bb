"""Order of arrival does not matter: a platform refund that comes before its order is held and applied
when the order comes; what cannot be applied is listed for the admin, who may retry or dismiss it; a
held refund whose order never comes fails after max_order_age_days. The platforms' own samples
(tests/fixtures/shopify: refund.json refunds order.json), signed and posted as Shopify would."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from harness.api import Api
from harness.programs import program_document
from local import runtime
from local.template import Template
from tests.service.integrations_in import shops

MEMBER = "shop-1:207119551"  # Bob Norman, enrolled by the order (auto_enroll, matched by email)
ORDER = "shopify:450789469"
REFUND = "shopify:509562969"
PLACED = shops.SAMPLE_PLACED
EVENTS = "/v1/admin/integrations/shop-1/events"


def deliver(api: Api, template: Template, topic: str, document: dict[str, Any], times: int = 2) -> None:
    """Post a webhook (twice by default: platforms retry) and let the accrual consumer take it."""
    body = shops.body_of(document)
    for _ in range(times):
        assert shops.shopify(api, "shop-1", body, topic).body == {"status": "queued"}
    shops.consume(template, shops.queued())


def balance(api: Api, member_id: str = MEMBER) -> Any:
    return api.get(f"/v1/members/{member_id}").body["points"]["available"]


def activity(api: Api, member_id: str = MEMBER) -> list[tuple[str, int]]:
    return sorted((e["kind"], e["points"]) for e in api.get(f"/v1/members/{member_id}/activity").body["items"])


def events(admin: Api, status: str, **query: Any) -> Any:
    params = "&".join(f"{name}={value}" for name, value in {"status": status, **query}.items())
    answer = admin.get(EVENTS, query=params)
    assert answer.status == 200, answer.body
    return answer.body


def _values(metric: Any) -> list[float]:
    return [] if metric is None else metric if isinstance(metric, list) else [metric]


def cancellation() -> dict[str, Any]:
    """What Shopify sends when the order is cancelled: a refund of every line (hand-built from the
    published refund sample: its lines replaced by all three of the order's, its id changed)."""
    order = shops.sample("shopify/order.json")["order"]
    refund = shops.sample("shopify/refund.json")
    refund["refund"]["id"] = 509562970
    refund["refund"]["refund_line_items"] = [
        {"id": n, "line_item_id": item["id"], "quantity": item["quantity"], "line_item": item}
        for n, item in enumerate(order["line_items"], start=1)
    ]
    return refund


@pytest.fixture
def shop(api: Api, admin_api: Api) -> Api:
    shops.at(PLACED)
    assert shops.connect(admin_api, "shop-1", "shopify", category_by_sku={"IPOD2008RED": "electronics"}).status == 201
    return api


def test_the_published_refund_points_at_the_published_order() -> None:
    order = shops.sample("shopify/order.json")["order"]
    refund = shops.sample("shopify/refund.json")["refund"]
    assert refund["order_id"] == order["id"]
    assert {r["line_item"]["id"] for r in refund["refund_line_items"]} <= {i["id"] for i in order["line_items"]}


def test_a_refund_before_its_order_is_held_then_applied_when_the_order_comes(
    shop: Api, admin_api: Api, template: Template
) -> None:
    deliver(shop, template, "refunds/create", shops.sample("shopify/refund.json"))
    [held] = events(admin_api, "held")["items"]
    assert held["event_id"] == REFUND and held["order_id"] == ORDER and held["refund_id"] == REFUND
    assert held["status"] == "held" and held["reason"] == "order_not_arrived" and held["topic"] == "refunds/create"
    assert held["fails_on"] == "2009-01-10", "the day after the order could last come (365 days; 2008 is leap)"
    assert events(admin_api, "failed") == {"items": [], "next_cursor": None}

    deliver(shop, template, "orders/paid", shops.sample("shopify/order.json"))
    # 796 earned, then the held refund of the black and the green iPods (199 each) taken back at once.
    assert balance(shop) == 398
    assert activity(shop) == [("earn", 796), ("refund", -398)]
    assert events(admin_api, "held")["items"] == []
    [applied] = events(admin_api, "applied")["items"]
    assert applied["event_id"] == REFUND and applied["fails_on"] is None

    # Everything again, in any order: nothing changes.
    deliver(shop, template, "refunds/create", shops.sample("shopify/refund.json"))
    deliver(shop, template, "orders/paid", shops.sample("shopify/order.json"))
    assert balance(shop) == 398 and len(activity(shop)) == 2


def test_a_cancellation_before_its_order_reverses_all_it_earns(shop: Api, admin_api: Api, template: Template) -> None:
    deliver(shop, template, "refunds/create", cancellation())
    deliver(shop, template, "orders/paid", shops.sample("shopify/order.json"))
    # Decided: the order is credited, then reversed in full in the same delivery; both entries show.
    assert balance(shop) == 0
    assert activity(shop) == [("earn", 796), ("refund", -796)]
    assert shop.get(f"/v1/orders/{ORDER}").body["refunds"][0]["points_reversed"] == 796


def test_a_held_refund_whose_order_never_comes_fails_on_its_day_and_can_be_retried_or_dismissed(
    shop: Api, admin_api: Api, template: Template, capsys: pytest.CaptureFixture[str]
) -> None:
    assert admin_api.put("/v1/admin/program", program_document(max_order_age_days=30)).status == 200
    deliver(shop, template, "refunds/create", shops.sample("shopify/refund.json"))
    deliver(shop, template, "refunds/create", cancellation())

    def daily(day: str) -> None:
        moment = datetime.fromisoformat(f"{day}T05:05:00+00:00")
        shops.at(moment)
        runtime.invoke(template, "MaturePointsFunction", {"scheduled_time": moment.isoformat()})

    daily("2008-02-09")
    assert len(events(admin_api, "held")["items"]) == 2, "not yet: the order may still come that day"
    capsys.readouterr()
    daily("2008-02-10")
    failed = events(admin_api, "failed")
    assert {(e["event_id"], e["reason"]) for e in failed["items"]} == {
        (REFUND, "order_not_arrived"),
        ("shopify:509562970", "order_not_arrived"),
    }
    emitted = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    failures = [value for m in emitted for value in _values(m.get("PlatformEventsFailed"))]
    assert sum(failures) == 2, "the alarm's metric"
    assert events(admin_api, "held")["items"] == []
    daily("2008-02-11")  # the next run finds nothing: each held event failed once
    assert len(events(admin_api, "failed")["items"]) == 2

    # Paged as every list: newest first, an opaque cursor.
    first = events(admin_api, "failed", limit=1)
    second = events(admin_api, "failed", limit=1, cursor=first["next_cursor"])
    assert {first["items"][0]["event_id"], second["items"][0]["event_id"]} == {REFUND, "shopify:509562970"}
    bad = admin_api.get(EVENTS, query="status=failed&cursor=bm90LW91cnM")
    assert bad.status == 422 and bad.body["code"] == "validation_error"
    assert admin_api.get(EVENTS, query="status=lost").status == 422

    # Dismissed: out of the failed list, kept with its reason; dismissing again changes nothing.
    dismissed = admin_api.post(f"{EVENTS}/shopify:509562970/dismiss")
    assert dismissed.status == 200 and dismissed.body["status"] == "dismissed"
    assert dismissed.body["reason"] == "order_not_arrived"
    assert admin_api.post(f"{EVENTS}/shopify:509562970/dismiss").body["status"] == "dismissed"
    assert [e["event_id"] for e in events(admin_api, "failed")["items"]] == [REFUND]

    # The order comes late (the shop takes older orders now): a failed refund is not applied by itself...
    assert admin_api.put("/v1/admin/program", program_document(max_order_age_days=365)).status == 200
    deliver(shop, template, "orders/paid", shops.sample("shopify/order.json"))
    assert balance(shop) == 796
    # ...but a retry applies it, once.
    retried = admin_api.post(f"{EVENTS}/{REFUND}/retry")
    assert retried.status == 200 and retried.body["status"] == "applied" and retried.body["attempts"] == 3
    assert admin_api.post(f"{EVENTS}/{REFUND}/retry").body["status"] == "applied"
    assert balance(shop) == 398
    assert events(admin_api, "failed")["items"] == []
    # Shopify delivers the dismissed cancellation again: it stays dismissed, nothing is taken back.
    deliver(shop, template, "refunds/create", cancellation(), times=1)
    assert balance(shop) == 398
    assert [e["event_id"] for e in events(admin_api, "dismissed")["items"]] == ["shopify:509562970"]

    for path in (
        f"{EVENTS}/shopify:1/retry",
        f"{EVENTS}/shopify:1/dismiss",
        f"/v1/admin/integrations/x/events/{REFUND}/retry",
    ):
        answer = admin_api.post(path)
        assert answer.status == 404 and answer.body["code"] == "not_found", path
    assert shop.get(EVENTS, query="status=failed").status == 403


def test_a_refund_beyond_what_the_order_holds_reverses_only_what_is_left(
    shop: Api, admin_api: Api, template: Template
) -> None:
    deliver(shop, template, "orders/paid", shops.sample("shopify/order.json"))
    deliver(shop, template, "refunds/create", shops.sample("shopify/refund.json"))
    again = shops.sample("shopify/refund.json")
    again["refund"]["id"] = 509562971  # the same two lines refunded a second time: more than is left
    deliver(shop, template, "refunds/create", again)
    # The platform gave the money back: the refund is capped at what the order holds, never refused.
    # The two refunds gave back 418.00 of the 409.94 paid: a full refund, all the order holds reversed.
    assert balance(shop) == 0
    assert events(admin_api, "failed")["items"] == [] and events(admin_api, "held")["items"] == []


def test_a_refund_id_the_platform_sends_for_another_order_is_listed_as_failed(
    shop: Api, admin_api: Api, template: Template
) -> None:
    deliver(shop, template, "orders/paid", shops.sample("shopify/order.json"))
    other = shops.sample("shopify/order.json")
    other["order"]["id"] = 450789470  # a second order of Bob's
    deliver(shop, template, "orders/paid", other)
    deliver(shop, template, "refunds/create", shops.sample("shopify/refund.json"))
    misplaced = shops.sample("shopify/refund.json")
    misplaced["refund"]["order_id"] = 450789470  # the refund's id again, now naming the other order
    deliver(shop, template, "refunds/create", misplaced)
    [failed] = events(admin_api, "failed")["items"]
    assert failed["event_id"] == REFUND and failed["reason"] == "idempotency_conflict"
    assert failed["attempts"] == 1 and balance(shop) == 2 * 796 - 398


def test_refunds_of_an_order_that_credits_nobody_are_skipped_not_failed(
    api: Api,
    admin_api: Api,
    template: Template,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    shops.at(PLACED)
    shops.connect(admin_api, "shop-1", "shopify", auto_enroll=False)  # Bob is no member and is not enrolled
    deliver(api, template, "refunds/create", shops.sample("shopify/refund.json"))
    assert len(events(admin_api, "held")["items"]) == 1
    deliver(api, template, "orders/paid", shops.sample("shopify/order.json"))
    deliver(api, template, "refunds/create", cancellation())  # after the order: skipped at once
    assert events(admin_api, "held")["items"] == [] and events(admin_api, "failed")["items"] == []
    [skipped] = events(admin_api, "skipped")["items"]
    assert skipped["event_id"] == REFUND and skipped["reason"] == "order_not_credited"
    assert api.get(f"/v1/members/{MEMBER}").status == 404
    # Visible all the same: counted, with the reasons in the log.
    out = capsys.readouterr().out
    assert '"PlatformEventsSkipped"' in out and '"PlatformEventsFailed"' not in out
    logged = [getattr(r, "reasons", []) for r in caplog.records if r.getMessage() == "platform event skipped"]
    assert ["no_member", "order_not_credited"] in logged


def test_a_woocommerce_refunded_update_before_the_completed_one_ends_as_in_order(
    api: Api, admin_api: Api, template: Template
) -> None:
    """WooCommerce's sample order 723 with its two refunds: the update that says `refunded` (the same
    order, status changed by hand) overtakes the `completed` one."""
    shops.at(datetime(2017, 3, 23, 12, 0, tzinfo=UTC))
    shops.connect(admin_api, "woo-1", "woocommerce", match_members_by="customer_id")
    completed = shops.body_of(shops.sample("woocommerce/order-723-list.json"))
    refunded = json.loads(completed)
    refunded["status"] = "refunded"
    later = json.dumps(refunded).encode()
    for body in (later, later, completed, completed):
        shops.woo(api, "woo-1", body, "order.updated")
        shops.consume(template, shops.queued())
    # As in order: 29 earned, the refunds of 10.00 and 9.00 take back their goods' share (8 and 6, the
    # order's 10.00 of shipping earned nothing), then `refunded` takes back what they left (15).
    assert activity(api, "woo-1:26") == [("earn", 29), ("refund", -15), ("refund", -8), ("refund", -6)]
    assert balance(api, "woo-1:26") == 0
    assert admin_api.get("/v1/admin/integrations/woo-1/events", query="status=applied").body["items"] != []
