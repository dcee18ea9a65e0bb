"""Every route the template declares, through the local API Gateway into the real function, which checks
the key itself (there is no authorizer, and each request invokes that one function): a missing,
malformed, unknown or revoked key is refused with 401 problem+json everywhere except the public routes,
and a storefront key never reaches /v1/admin/. The route list comes from template.yaml
(local.template.load().http_routes()), so a route added tomorrow is covered without touching this file.

tests/service/handlers/test_auth.py checks the same rules on a hand-written route list with valid bodies; the
template's own checks (no authorizer, the public routes, IAM resources, checkov and its skip reasons) are
in tests/contract/test_template.py.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from harness.api import Answer, Api, member_token
from local.template import ROOT, Route, load
from loyalty.entrypoints import access

ROUTES = load(str(ROOT / "template.yaml")).http_routes()
# Reachable without a key: the health check, and the emails' one-click unsubscribe (its signed token is
# the authorisation). The same set as tests/contract/test_template.py's PUBLIC_ROUTES.
PUBLIC = {
    ("GET", "/v1/health"),
    ("POST", "/v1/unsubscribe/{token}"),
    ("POST", "/v1/integrations/{connection_id}/webhooks"),  # authenticated by the platform's HMAC
    ("GET", "/v1/integrations/{connection_id}/proxy/{path}"),  # by Shopify's App Proxy signature
    ("POST", "/v1/integrations/{connection_id}/proxy/redemptions"),
}
PROTECTED = [route for route in ROUTES if (route.method, route.path) not in PUBLIC]
ADMIN = [route for route in PROTECTED if route.path.startswith("/v1/admin/")]
STOREFRONT = [route for route in PROTECTED if not route.path.startswith("/v1/admin/")]
PUBLIC_ROUTES = [route for route in ROUTES if (route.method, route.path) in PUBLIC]
# Values that satisfy every path parameter's pattern, so only the key decides the answer.
PATH_VALUES = {"code": "ABCDEFGH2345", "token": "abc.def"}
UNKNOWN_KEY = "lk_" + "Zz9" * 14

# Only the key matters here, not the storage engine: one backend.
on_moto = pytest.mark.parametrize("aws", ["moto"], indirect=True)


def _ids(routes: list[Route]) -> list[str]:
    return [f"{route.method} {route.path}" for route in routes]


def concrete(route: Route) -> str:
    return re.sub(r"\{(\w+)\+?\}", lambda match: PATH_VALUES.get(match.group(1), "x-1"), route.path)


def call(api: Api, route: Route, authorization: str | None) -> Answer:
    headers = {} if authorization is None else {"Authorization": authorization}
    anonymous = Api(api.gateway.template)  # holds no key: only the header below is sent
    return anonymous.call(route.method, concrete(route), {}, headers=headers)


def assert_problem(answer: Answer, status: int, code: str, what: str) -> None:
    assert answer.status == status, f"{what}: {answer.status} {answer.body}"
    assert answer.content_type == "application/problem+json", f"{what}: {answer.content_type}"
    assert answer.body["code"] == code and answer.body["status"] == status, what
    assert {"type", "title", "detail"} <= set(answer.body), what


def bad_credentials(valid: str) -> dict[str, str | None]:
    return {
        "no Authorization header": None,
        "an empty header": "",
        "another scheme": "Basic YWRtaW46c2VjcmV0",
        "Bearer and no key": "Bearer",
        "Bearer and blanks": "Bearer    ",
        "a key without the scheme": valid,
        "an unknown key": f"Bearer {UNKNOWN_KEY}",
        "a valid key with a character more": f"Bearer {valid}x",
        "a valid key cut short": f"Bearer {valid[:-1]}",
        "two keys": f"Bearer {valid} {valid}",
        "a key in a second header line": f"Bearer {UNKNOWN_KEY}\r\nAuthorization: Bearer {valid}",
    }


@pytest.fixture
def revoked(admin_api: Api, api: Api) -> dict[str, str]:
    """A storefront and an admin key, both revoked."""
    keys = {}
    for scope in ("storefront", "admin"):
        created = admin_api.post("/v1/admin/keys", {"scope": scope, "label": f"revoked {scope}"}).body
        assert admin_api.delete(f"/v1/admin/keys/{created['key_id']}").status == 204
        keys[scope] = created["key"]
    return keys


def test_the_routes_that_need_no_key_are_exactly_the_public_ones() -> None:
    assert {(route.method, route.path) for route in ROUTES if access.required_scope(route.path) is None} == PUBLIC
    assert len(PROTECTED) >= 17 and ADMIN and STOREFRONT


@on_moto
@pytest.mark.parametrize("route", PROTECTED, ids=_ids(PROTECTED))
def test_each_request_invokes_one_function_whatever_its_key(admin_api: Api, api: Api, route: Route) -> None:
    """One Lambda per request (no authorizer before the route): with a good key, a bad one or none, the
    gateway invokes the route's function once and nothing else."""
    invoked: list[str] = []
    caller = Api(api.gateway.template)
    real_invoke = caller.gateway.invoke

    def counting(logical_id: str, event: dict[str, Any]) -> Any:
        invoked.append(logical_id)
        return real_invoke(logical_id, event)

    caller.gateway.invoke = counting
    for key in (admin_api.key, api.key, UNKNOWN_KEY, None):
        invoked.clear()
        caller.call(route.method, concrete(route), {}, headers={"Authorization": f"Bearer {key}"} if key else {})
        assert invoked == [route.function], (key, invoked)


@on_moto
@pytest.mark.parametrize("route", PROTECTED, ids=_ids(PROTECTED))
def test_a_missing_malformed_unknown_or_revoked_key_is_401(api: Api, revoked: dict[str, str], route: Route) -> None:
    for what, authorization in bad_credentials(api.key or "").items():
        assert_problem(call(api, route, authorization), 401, "unauthorized", what)
    for scope, key in revoked.items():
        assert_problem(call(api, route, f"Bearer {key}"), 401, "unauthorized", f"a revoked {scope} key")


@on_moto
@pytest.mark.parametrize("route", ADMIN, ids=_ids(ADMIN))
def test_a_storefront_key_never_reaches_an_admin_route(api: Api, route: Route) -> None:
    assert_problem(call(api, route, f"Bearer {api.key}"), 403, "forbidden", "a storefront key")


@on_moto
@pytest.mark.parametrize("route", PROTECTED, ids=_ids(PROTECTED))
def test_the_right_key_gets_past_the_gate(admin_api: Api, api: Api, route: Route) -> None:
    """The other side of the gate: the routes are not simply closed to everyone. A shopper's ``/v1/me``
    routes take a member token, and only that (docs/api.md)."""
    keys: list[Any] = [admin_api.key] + ([] if route in ADMIN else [api.key])
    if route.path == "/v1/me" or route.path.startswith("/v1/me/"):
        for key in keys:
            assert_problem(call(api, route, f"Bearer {key}"), 403, "forbidden", "a key on a /v1/me route")
        assert api.post("/v1/members", {"member_id": "x-1", "email": "x-1@example.com"}).status == 201
        keys = [member_token(api, "x-1")]
    for key in keys:
        answer = call(api, route, f"Bearer {key}")
        assert answer.status not in (401, 403), f"{route}: {answer.status} {answer.body}"
        assert answer.status < 500, f"{route}: {answer.status} {answer.body}"


# The platform webhook route needs no key but the platform's signature instead: without one it answers
# 401 by design (tests/service/integrations_in/test_platform_webhooks.py posts signed ones without a key).
KEYLESS_ROUTES = [route for route in PUBLIC_ROUTES if not route.path.startswith("/v1/integrations/")]


@on_moto
@pytest.mark.parametrize("route", KEYLESS_ROUTES, ids=_ids(KEYLESS_ROUTES))
def test_public_routes_need_no_key(api: Api, route: Route) -> None:
    answer = call(api, route, None)
    assert answer.status not in (401, 403), f"{route}: {answer.status} {answer.body}"
