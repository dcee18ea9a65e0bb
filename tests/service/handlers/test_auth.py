"""Keys and scopes as the route functions check them behind API Gateway: all failures are problem+json."""

from __future__ import annotations

from typing import Any

import pytest

from harness.api import Api

STOREFRONT_ROUTES = [
    ("POST", "/v1/members"),
    ("GET", "/v1/members/m-1"),
    ("PATCH", "/v1/members/m-1"),
    ("GET", "/v1/members/m-1/activity"),
    ("POST", "/v1/orders"),
    ("POST", "/v1/orders/o-1/refunds"),
    ("GET", "/v1/rewards"),
    ("POST", "/v1/members/m-1/redemptions"),
    ("GET", "/v1/vouchers/ABCDEFGHJKMNPQ"),
    ("POST", "/v1/redemptions/r-1/use"),
    ("POST", "/v1/redemptions/r-1/cancel"),
]
ADMIN_ROUTES = [
    ("PUT", "/v1/admin/program"),
    ("GET", "/v1/admin/program"),
    ("POST", "/v1/admin/keys"),
    ("DELETE", "/v1/admin/keys/key_0123456789abcdef"),
    ("PUT", "/v1/admin/rewards/coffee"),
    ("POST", "/v1/admin/members/m-1/adjustments"),
]


def assert_problem(answer: Any, status: int, code: str) -> None:
    assert answer.status == status, answer.body
    assert answer.content_type == "application/problem+json"
    assert answer.body["code"] == code
    assert answer.body["status"] == status
    assert {"type", "title", "detail"} <= set(answer.body)


@pytest.mark.parametrize(("method", "path"), STOREFRONT_ROUTES + ADMIN_ROUTES)
def test_no_key_malformed_header_or_unknown_key_is_401(api: Api, method: str, path: str) -> None:
    anonymous = Api(api.gateway.template)
    assert_problem(anonymous.call(method, path, {}), 401, "unauthorized")
    assert_problem(anonymous.call(method, path, {}, headers={"Authorization": "Basic abc"}), 401, "unauthorized")
    assert_problem(anonymous.call(method, path, {}, headers={"Authorization": "Bearer"}), 401, "unauthorized")
    assert_problem(anonymous.call(method, path, {}, key="lk_not-a-real-key"), 401, "unauthorized")


@pytest.mark.parametrize(("method", "path"), ADMIN_ROUTES)
def test_a_storefront_key_never_reaches_admin_routes(api: Api, method: str, path: str) -> None:
    assert_problem(api.call(method, path, {}), 403, "forbidden")


def test_health_needs_no_key(api: Api) -> None:
    answer = Api(api.gateway.template).get("/v1/health")
    assert answer.status == 200 and answer.body == {"status": "ok"}


def test_a_revoked_key_stops_working(admin_api: Api, api: Api) -> None:
    created = admin_api.post("/v1/admin/keys", {"scope": "storefront", "label": "pos"})
    assert created.status == 201
    assert created.body["key"].startswith("lk_") and created.body["scope"] == "storefront"
    pos = Api(api.gateway.template, created.body["key"])
    assert pos.get("/v1/members/nobody").status == 404
    assert admin_api.delete(f"/v1/admin/keys/{created.body['key_id']}").status == 204
    assert_problem(pos.get("/v1/members/nobody"), 401, "unauthorized")
    # Revoking again is a safe retry.
    assert admin_api.delete(f"/v1/admin/keys/{created.body['key_id']}").status == 204


def test_keys_are_stored_only_as_hashes(admin_api: Api, ddb: Any) -> None:
    from tests.conftest import ADMIN_KEY, table_items

    created = admin_api.post("/v1/admin/keys", {"scope": "admin", "label": "ops"}).body
    stored = repr(table_items(ddb))
    assert created["key"] not in stored
    assert ADMIN_KEY not in stored
    assert created["key_id"] in stored


def test_an_admin_key_may_call_storefront_routes(admin_api: Api, api: Api) -> None:
    assert admin_api.post("/v1/members", {"member_id": "m-1", "email": "ada@example.com"}).status == 201
