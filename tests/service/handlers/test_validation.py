"""Bad input on every route: 422 problem+json naming the field, and nothing written."""

from __future__ import annotations

from typing import Any

import pytest

from harness.api import Api
from harness.orders import order_document
from harness.programs import program_document
from tests.conftest import table_items

LONG_ID = "m" * 129  # ids are 1-128 characters
GOOD_ORDER = order_document("o-1", "m-1", 1000)

# (method, path, valid body, field to break, wrong-typed value)
BODY_ROUTES = [
    ("POST", "/v1/members", {"member_id": "m-9", "email": "new@example.com"}, "marketing_opt_in", "yes"),
    ("PATCH", "/v1/members/m-1", {"name": "Ada"}, "marketing_opt_in", 1),
    ("POST", "/v1/orders", {**GOOD_ORDER, "order_id": "o-9"}, "lines", "many"),
    ("POST", "/v1/orders/o-1/refunds", {"refund_id": "r-9", "amount_minor": 100}, "amount_minor", "100"),
    ("PUT", "/v1/admin/program", program_document(), "pending_days", "3"),
    ("POST", "/v1/admin/keys", {"scope": "storefront", "label": "x"}, "scope", "root"),
    ("PUT", "/v1/admin/rewards/coffee", {"name": "Coffee", "kind": "voucher", "cost_points": 10}, "cost_points", "10"),
    ("POST", "/v1/members/m-1/redemptions", {"redemption_id": "x-9", "reward_id": "coffee"}, "reward_id", 7),
    ("POST", "/v1/admin/members/m-1/adjustments", {"adjustment_id": "a-9", "points": 5, "reason": "x"}, "points", "5"),
]


@pytest.fixture
def seeded(admin_api: Api, api: Api, ddb: Any) -> Api:
    assert admin_api.post("/v1/members", {"member_id": "m-1", "email": "ada@example.com"}).status == 201
    assert admin_api.post("/v1/orders", GOOD_ORDER).status == 201
    return admin_api


def assert_422(answer: Any, field: str | None = None) -> None:
    assert answer.status == 422, answer.body
    assert answer.content_type == "application/problem+json"
    assert answer.body["code"] == "validation_error"
    assert answer.body["errors"], "a 422 lists its errors"
    assert all({"loc", "msg"} <= set(error) for error in answer.body["errors"])
    if field is not None:
        assert any(field in error["loc"] for error in answer.body["errors"]), answer.body["errors"]


@pytest.mark.parametrize(("method", "path", "body", "field", "wrong"), BODY_ROUTES, ids=[r[1] for r in BODY_ROUTES])
def test_every_kind_of_bad_body_is_refused_and_writes_nothing(
    seeded: Api, ddb: Any, method: str, path: str, body: dict[str, Any], field: str, wrong: Any
) -> None:
    before = table_items(ddb)
    assert_422(seeded.call(method, path, {**body, "surprise": 1}), "surprise")
    assert_422(seeded.call(method, path, {**body, field: wrong}), field)
    assert_422(seeded.call(method, path, raw=b'{"member_id": "m-1",'))
    assert_422(seeded.call(method, path, raw=b"[1, 2]"))
    assert_422(seeded.call(method, path, raw=b'"just a string"'))
    assert_422(seeded.call(method, path, raw=b""))
    assert table_items(ddb) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"member_id": "m-2", "email": "not-an-email"}, "email"),
        ({"member_id": "m-2", "email": "a@b"}, "email"),
        ({"member_id": LONG_ID, "email": "long@example.com"}, "member_id"),
        ({"member_id": "bad id!", "email": "space@example.com"}, "member_id"),
        ({"member_id": "", "email": "empty@example.com"}, "member_id"),
        ({"email": "missing@example.com"}, "member_id"),
        ({"member_id": "m-2", "email": "x@example.com", "locale": "not a locale"}, "locale"),
    ],
)
def test_enrollment_field_rules(seeded: Api, ddb: Any, body: dict[str, Any], field: str) -> None:
    before = table_items(ddb)
    assert_422(seeded.post("/v1/members", body), field)
    assert table_items(ddb) == before


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"order_id": LONG_ID}, "order_id"),
        ({"member_id": LONG_ID}, "member_id"),
        ({"lines": []}, "lines"),
        ({"lines": [{"sku": "A", "category": "c", "quantity": 0, "unit_price_minor": 1}]}, "quantity"),
        ({"lines": [{"sku": "A", "category": "c", "quantity": 1, "unit_price_minor": -1}]}, "unit_price_minor"),
        ({"placed_at": "2026-11-22T10:00:00"}, "placed_at"),
        ({"placed_at": "yesterday"}, "placed_at"),
        ({"discount_minor": -5}, "discount_minor"),
        ({"currency": "EUR"}, "currency"),
    ],
)
def test_order_field_rules(seeded: Api, ddb: Any, change: dict[str, Any], field: str) -> None:
    before = table_items(ddb)
    assert_422(seeded.post("/v1/orders", {**GOOD_ORDER, "order_id": "o-2", **change}), field)
    assert table_items(ddb) == before


def test_a_refund_needs_exactly_one_of_lines_or_amount(seeded: Api, ddb: Any) -> None:
    before = table_items(ddb)
    assert_422(seeded.post("/v1/orders/o-1/refunds", {"refund_id": "r-1"}))
    both = {"refund_id": "r-1", "amount_minor": 5, "lines": [{"sku": "A", "quantity": 1}]}
    assert_422(seeded.post("/v1/orders/o-1/refunds", both))
    assert table_items(ddb) == before


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", f"/v1/members/{LONG_ID}"),
        ("PATCH", f"/v1/members/{LONG_ID}"),
        ("GET", f"/v1/members/{LONG_ID}/activity"),
        ("POST", f"/v1/orders/{LONG_ID}/refunds"),
        ("DELETE", "/v1/admin/keys/not-a-key-id"),
        ("PUT", f"/v1/admin/rewards/{LONG_ID}"),
        ("POST", f"/v1/members/{LONG_ID}/redemptions"),
        ("POST", f"/v1/redemptions/{LONG_ID}/use"),
        ("POST", f"/v1/redemptions/{LONG_ID}/cancel"),
        ("POST", f"/v1/admin/members/{LONG_ID}/adjustments"),
    ],
)
def test_oversize_or_malformed_ids_in_the_path_are_refused(seeded: Api, ddb: Any, method: str, path: str) -> None:
    before = table_items(ddb)
    body = (
        {"name": "x"} if method == "PATCH" else ({"refund_id": "r-1", "amount_minor": 1} if method == "POST" else None)
    )
    assert_422(seeded.call(method, path, body))
    assert table_items(ddb) == before


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "limit=ten", "cursor=not-a-cursor"])
def test_bad_list_parameters_are_refused(seeded: Api, query: str) -> None:
    assert_422(seeded.get("/v1/members/m-1/activity", query=query))
