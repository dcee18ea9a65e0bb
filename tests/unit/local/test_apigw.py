"""API Gateway HTTP API emulation: route choice, payload 2.0 events, answers, and the authorizer flow."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from local.apigw import (
    MalformedResponseError,
    Request,
    authorizer_event,
    http_event,
    match_route,
    to_http,
)
from local.gateway import Gateway
from local.template import Route, Template
from tests.fakes import write_project

ROUTES = [
    Route("GET", "/v1/members/{member_id}", "Members", False),
    Route("GET", "/v1/members/me", "Me", False),
    Route("ANY", "/v1/members/{member_id}", "AnyMember", False),
    Route("GET", "/files/{proxy+}", "Files", False),
    Route("GET", "/v1/health", "Health", True),
]


def test_literal_segments_beat_variables_and_exact_methods_beat_any() -> None:
    assert match_route(ROUTES, "GET", "/v1/members/me") == (ROUTES[1], {})
    assert match_route(ROUTES, "GET", "/v1/members/m-1") == (ROUTES[0], {"member_id": "m-1"})
    assert match_route(ROUTES, "delete", "/v1/members/m-1") == (ROUTES[2], {"member_id": "m-1"})


def test_greedy_paths_decoded_parameters_and_misses() -> None:
    assert match_route(ROUTES, "GET", "/files/a/b%20c") == (ROUTES[3], {"proxy": "a/b c"})
    assert match_route(ROUTES, "GET", "/files") is None
    assert match_route(ROUTES, "GET", "/v1/members/m-1/activity") is None
    assert match_route(ROUTES, "POST", "/v1/health") is None
    fallback = Route("ANY", "$default", "Default", False)
    assert match_route([*ROUTES, fallback], "POST", "/anything") == (fallback, {})


def test_payload_2_event_shape() -> None:
    request = Request(
        method="POST",
        raw_path="/v1/members/m-1",
        raw_query="a=1&a=2&b=x%20y",
        headers=[("Content-Type", "application/json"), ("X-Multi", "1"), ("x-multi", "2"), ("Cookie", "s=1; t=2")],
        body=b'{"x": 1}',
        source_ip="10.0.0.9",
    )
    event = http_event(Route("POST", "/v1/members/{member_id}", "Fn", False), {"member_id": "m-1"}, request, "h:3000")
    assert event["version"] == "2.0"
    assert event["routeKey"] == "POST /v1/members/{member_id}"
    assert event["rawPath"] == "/v1/members/m-1"
    assert event["rawQueryString"] == "a=1&a=2&b=x%20y"
    assert event["queryStringParameters"] == {"a": "1,2", "b": "x y"}
    assert event["headers"] == {"content-type": "application/json", "x-multi": "1,2"}
    assert event["cookies"] == ["s=1", "t=2"]
    assert event["pathParameters"] == {"member_id": "m-1"}
    assert event["body"] == '{"x": 1}'
    assert event["isBase64Encoded"] is False
    assert event["stageVariables"] is None
    context = event["requestContext"]
    assert context["accountId"] == "123456789012"
    assert context["stage"] == "$default"
    assert context["routeKey"] == event["routeKey"]
    assert context["domainName"] == "h:3000"
    assert context["http"] == {
        "method": "POST",
        "path": "/v1/members/m-1",
        "protocol": "HTTP/1.1",
        "sourceIp": "10.0.0.9",
        "userAgent": "",
    }
    assert context["requestId"] and isinstance(context["timeEpoch"], int)
    assert context["time"].endswith(" +0000")


def test_binary_bodies_are_base64_and_empty_parts_are_left_out() -> None:
    request = Request("PUT", "/x", headers=[("Content-Type", "application/octet-stream")], body=b"\x00\xff")
    event = http_event(Route("PUT", "/x", "Fn", False), {}, request, "h")
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"\x00\xff"
    empty = http_event(Route("GET", "/x", "Fn", False), {}, Request("GET", "/x"), "h")
    assert not {"body", "cookies", "queryStringParameters", "pathParameters"} & set(empty)


def test_authorizer_event_shape() -> None:
    request = Request("GET", "/v1/members/m-1", headers=[("Authorization", "Bearer k")])
    event = http_event(Route("GET", "/v1/members/{member_id}", "Fn", False), {"member_id": "m-1"}, request, "h")
    auth = authorizer_event(event, [])
    assert auth["type"] == "REQUEST"
    assert auth["version"] == "2.0"
    assert auth["routeArn"] == "arn:aws:execute-api:us-east-1:123456789012:local/$default/GET/v1/members/m-1"
    assert auth["identitySource"] == []
    assert auth["headers"]["authorization"] == "Bearer k"
    assert auth["routeKey"] == event["routeKey"]
    assert auth["requestContext"] is event["requestContext"]


def test_results_translate_like_api_gateway() -> None:
    plain = to_http({"hello": "world"})
    assert (plain.status, plain.headers, json.loads(plain.body)) == (
        200,
        [("Content-Type", "application/json")],
        {"hello": "world"},
    )
    full = to_http(
        {
            "statusCode": 201,
            "headers": {"Content-Type": "text/plain"},
            "multiValueHeaders": {"X-A": ["1", "2"]},
            "cookies": ["a=1; Path=/"],
            "body": base64.b64encode(b"\x01\x02").decode(),
            "isBase64Encoded": True,
        }
    )
    assert full.status == 201
    assert full.headers == [("Content-Type", "text/plain"), ("X-A", "1"), ("X-A", "2"), ("Set-Cookie", "a=1; Path=/")]
    assert full.body == b"\x01\x02"
    assert to_http({"statusCode": 204}).body == b""
    with pytest.raises(MalformedResponseError):
        to_http({"statusCode": 200, "body": {"not": "a string"}})


class FakeFunctions:
    """Stands in for the runtime: records every invocation, answers per function."""

    def __init__(self, answers: dict[str, Any]) -> None:
        self.answers = answers
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, logical_id: str, event: dict[str, Any]) -> Any:
        self.calls.append((logical_id, event))
        answer = self.answers[logical_id]
        return answer(event) if callable(answer) else answer


@pytest.fixture
def template(tmp_path: Path) -> Template:
    return write_project(tmp_path)


def _get(gateway: Gateway, path: str, headers: list[tuple[str, str]] | None = None) -> Any:
    return gateway.handle(Request("GET", path, headers=headers or []), "localhost")


def test_authorizer_allows_and_its_context_reaches_the_route(template: Template) -> None:
    fakes = FakeFunctions({"AuthFunction": {"isAuthorized": True, "context": {"scope": "admin"}}, "EchoFunction": {}})
    response = _get(Gateway(template, fakes), "/v1/echo/ada")
    assert response.status == 200
    (auth_name, auth_event), (route_name, route_event) = fakes.calls
    assert (auth_name, route_name) == ("AuthFunction", "EchoFunction")
    assert auth_event["type"] == "REQUEST"
    assert route_event["requestContext"]["authorizer"] == {"lambda": {"scope": "admin"}}
    assert route_event["pathParameters"] == {"name": "ada"}


def test_authorizer_denies_with_403_and_the_route_never_runs(template: Template) -> None:
    fakes = FakeFunctions({"AuthFunction": {"isAuthorized": False}, "EchoFunction": {}})
    response = _get(Gateway(template, fakes), "/v1/echo/ada")
    assert (response.status, json.loads(response.body)) == (403, {"message": "Forbidden"})
    assert [name for name, _ in fakes.calls] == ["AuthFunction"]


def test_auth_none_routes_skip_the_authorizer(template: Template) -> None:
    fakes = FakeFunctions({"HealthFunction": {"statusCode": 200, "body": "ok"}})
    assert _get(Gateway(template, fakes), "/v1/health").body == b"ok"
    assert [name for name, _ in fakes.calls] == ["HealthFunction"]


def test_without_an_authorizer_every_route_runs_its_function_alone(template: Template) -> None:
    """template.yaml has no authorizer (its functions check their callers): the gateway then invokes the
    route's function and nothing else, with the Authorization header as sent and no authorizer context."""
    del template.raw["Resources"]["Api"]["Properties"]["Auth"]
    del template.raw["Resources"]["AuthFunction"]
    fakes = FakeFunctions({"EchoFunction": {}, "HealthFunction": {"statusCode": 200, "body": "ok"}})
    gateway = Gateway(template, fakes)
    assert gateway.authorizer is None
    for headers in ([], [("Authorization", "Bearer anything")]):
        assert _get(gateway, "/v1/echo/ada", headers).status == 200
    assert _get(gateway, "/v1/health").body == b"ok"
    assert [name for name, _ in fakes.calls] == ["EchoFunction", "EchoFunction", "HealthFunction"]
    assert all("authorizer" not in event["requestContext"] for _, event in fakes.calls)
    assert fakes.calls[1][1]["headers"]["authorization"] == "Bearer anything"


def test_failures_answer_500_and_unknown_routes_404(template: Template, capsys: pytest.CaptureFixture[str]) -> None:
    def boom(event: dict[str, Any]) -> Any:
        raise RuntimeError("boom")

    gateway = Gateway(template, FakeFunctions({"AuthFunction": boom}))
    response = _get(gateway, "/v1/echo/ada")
    assert (response.status, json.loads(response.body)) == (500, {"message": "Internal Server Error"})
    assert "RuntimeError: boom" in capsys.readouterr().err
    malformed = Gateway(template, FakeFunctions({"AuthFunction": {"no": "verdict"}}))
    assert _get(malformed, "/v1/echo/ada").status == 500
    missing = _get(gateway, "/v2/nothing")
    assert (missing.status, json.loads(missing.body)) == (404, {"message": "Not Found"})


def test_identity_sources_when_configured_answer_401_without_the_header(template: Template) -> None:
    authorizers = template.raw["Resources"]["Api"]["Properties"]["Auth"]["Authorizers"]
    authorizers["Keys"]["Identity"] = {"Headers": ["Authorization"]}
    fakes = FakeFunctions({"AuthFunction": {"isAuthorized": True}, "EchoFunction": {}})
    gateway = Gateway(template, fakes)
    assert _get(gateway, "/v1/echo/ada").status == 401
    assert fakes.calls == []
    assert _get(gateway, "/v1/echo/ada", [("Authorization", "Bearer x")]).status == 200
    assert fakes.calls[0][1]["identitySource"] == ["Bearer x"]


def test_swagger_ui_and_openapi_document(template: Template) -> None:
    gateway = Gateway(template, FakeFunctions({}))
    assert _get(gateway, "/docs").status == 301
    page = _get(gateway, "/docs/")
    assert page.status == 200 and b'url: "/openapi.json"' in page.body
    assert _get(gateway, "/docs/swagger-ui-bundle.js").status == 200
    assert _get(gateway, "/docs/../template.yaml").status == 404
    assert _get(gateway, "/openapi.json").status == 404  # the fake project has no docs/openapi.json
    (template.root / "docs").mkdir()
    (template.root / "docs" / "openapi.json").write_text('{"openapi": "3.1.0"}')
    assert json.loads(_get(gateway, "/openapi.json").body) == {"openapi": "3.1.0"}
