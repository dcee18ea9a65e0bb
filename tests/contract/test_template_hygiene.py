"""What tests/contract/test_template.py does not already check about secrets and personal data in the
template. (It runs checkov on the template and on its SAM transform, requires a reason for every skip,
names the resources of every IAM statement, and checks that no authorizer runs before the routes.)"""

from __future__ import annotations

import re
import time
from types import SimpleNamespace
from typing import Any

import pytest
from cfn_flip import load_yaml

from harness.api import Api
from local.template import ROOT, load
from loyalty import settings
from loyalty.services import api_keys

TEMPLATE_TEXT = (ROOT / "template.yaml").read_text(encoding="utf-8")
TEMPLATE: dict[str, Any] = load_yaml(TEMPLATE_TEXT)


def _functions() -> dict[str, dict[str, Any]]:
    return {
        name: resource
        for name, resource in TEMPLATE["Resources"].items()
        if resource.get("Type") == "AWS::Serverless::Function"
    }


def _actions(function: dict[str, Any]) -> list[str]:
    found = []
    for policy in function.get("Properties", {}).get("Policies", []) or []:
        statements = policy.get("Statement", []) if isinstance(policy, dict) else []
        for statement in statements if isinstance(statements, list) else [statements]:
            actions = statement.get("Action", [])
            found += actions if isinstance(actions, list) else [actions]
    return found


def test_no_function_may_scan_the_table() -> None:
    """The audit (make audit) is the one full-table read, and it is an operator's tool: no deployed
    function gets dynamodb:Scan, so no request path can read every member."""
    scanning = {
        name: actions for name, function in _functions().items() if "dynamodb:Scan" in (actions := _actions(function))
    }
    assert not scanning, scanning
    assert _functions(), "no functions found"


def test_no_key_or_email_is_written_into_the_template() -> None:
    assert not re.search(r"lk_[A-Za-z0-9_-]{8,}", TEMPLATE_TEXT), "an API key value is in template.yaml"
    parameters = TEMPLATE.get("Parameters", {})
    # A Number parameter (AdminKeyVersion, the rotation counter) cannot carry a key's value.
    secret_like = [
        name
        for name, parameter in parameters.items()
        if re.search(r"key|secret|token|password", name, re.IGNORECASE) and parameter.get("Type") != "Number"
    ]
    assert all(parameters[name].get("NoEcho") for name in secret_like), secret_like


def test_nothing_logs_whole_events() -> None:
    """A logged event carries the Authorization header and request bodies (emails)."""
    variables: dict[str, Any] = dict(TEMPLATE["Globals"]["Function"]["Environment"]["Variables"])
    for function in _functions().values():
        variables |= function.get("Properties", {}).get("Environment", {}).get("Variables", {})
    assert str(variables.get("POWERTOOLS_LOGGER_LOG_EVENT", "false")).lower() == "false"
    assert "log_event=True" not in "".join(path.read_text() for path in (ROOT / "functions").rglob("*.py"))


def test_api_access_logs_hold_no_caller_data() -> None:
    """Access logs: request id, route, status, latency, integration error. Never headers, query strings,
    the caller's IP or who the function found calling (the key's id and label)."""
    settings = TEMPLATE["Resources"]["HttpApi"]["Properties"]["AccessLogSettings"]
    fields = set(re.findall(r"\$context\.([A-Za-z.]+)", settings["Format"]))
    assert fields <= {"requestId", "routeKey", "status", "responseLatency", "integrationErrorMessage"}, fields


@pytest.mark.parametrize("aws", ["moto"], indirect=True)
def test_a_revoked_key_works_at_most_auth_cache_seconds_in_another_warm_function(
    admin_api: Api, api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every API function checks the key itself and caches the lookup for AUTH_CACHE_SECONDS (4, in the
    template's Globals, for every function) to spare a GetItem per request. The price: another warm
    function keeps honouring a revoked key until its entry ages out, which the contract bounds at 5
    seconds. Pinned here through a route, so the window is a decision, not an accident
    (tests/e2e/test_key_revocation.py shows it with two real processes)."""
    ttl = float(TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]["AUTH_CACHE_SECONDS"])
    assert 0 < ttl <= 4
    longer = {
        name: variables["AUTH_CACHE_SECONDS"]
        for name, function in _functions().items()
        if "AUTH_CACHE_SECONDS" in (variables := function["Properties"].get("Environment", {}).get("Variables", {}))
    }
    assert not longer, f"a function's own AUTH_CACHE_SECONDS: {longer}"
    monkeypatch.setenv("AUTH_CACHE_SECONDS", str(ttl))
    settings.reset()
    created = admin_api.post("/v1/admin/keys", {"scope": "storefront", "label": "pos"}).body
    pos = Api(api.gateway.template, created["key"])
    assert pos.get("/v1/members/nobody").status == 404  # past the key check
    other_function = dict(api_keys._seen)  # a second warm function that looked the key up just now
    assert admin_api.delete(f"/v1/admin/keys/{created['key_id']}").status == 204
    assert pos.get("/v1/members/nobody").status == 401  # the function that revoked forgot it at once
    api_keys._seen.update(other_function)
    revoked_at = time.monotonic()

    def at(seconds_after: float) -> None:
        monkeypatch.setattr(api_keys, "time", SimpleNamespace(monotonic=lambda: revoked_at + seconds_after))

    at(ttl - 0.5)
    assert pos.get("/v1/members/nobody").status == 404  # the other one still honours it within its window...
    at(5.0)
    refused = pos.get("/v1/members/nobody")  # ...and refuses it 5 s after the DELETE
    assert (refused.status, refused.body["code"]) == (401, "unauthorized")


def test_the_routes_open_without_a_key_are_throttled_below_the_stage() -> None:
    """HTTP APIs take no WAF: the stage's throttling (parameters) bounds every route, and the routes
    anyone may call without a key get a smaller share of it (docs/security.md). Every route setting must
    name a route of the template: API Gateway refuses the deployment otherwise."""
    properties = TEMPLATE["Resources"]["HttpApi"]["Properties"]
    parameters = TEMPLATE["Parameters"]
    routes = load(str(ROOT / "template.yaml")).http_routes()
    keys = {f"{route.method} {route.path}" for route in routes}
    settings_by_route = properties["RouteSettings"]
    assert set(settings_by_route) <= keys, set(settings_by_route) - keys
    for key in ("GET /v1/health", "POST /v1/unsubscribe/{token}"):
        limits = settings_by_route[key]
        assert 1 <= limits["ThrottlingRateLimit"] < parameters["ApiThrottlingRateLimit"]["Default"], key
        assert limits["ThrottlingRateLimit"] <= limits["ThrottlingBurstLimit"], key
        assert limits["ThrottlingBurstLimit"] < parameters["ApiThrottlingBurstLimit"]["Default"], key
