"""How the local gateway serves the widget and its demo shop (local/widget.py): the template's headers on
the script, the demo page's Content-Security-Policy, nothing outside the few files, and the demo shop's
token route. (No browser, no subprocess.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.api import Api
from local.apigw import HttpResponse, Request
from local.console import ConsoleSite
from local.gateway import Gateway
from local.template import Template
from local.widget import WidgetSite

DOMAIN = "127.0.0.1:3000"


def _no_api(request: Request, domain: str) -> HttpResponse:
    raise AssertionError(f"the API was called: {request.method} {request.raw_path}")


def _site(template: Template, tmp_path: Path) -> WidgetSite:
    (tmp_path / "loyalty.js").write_text("customElements.define('loyalty-panel', class extends HTMLElement {});")
    (tmp_path / "loyalty.js.LICENSE.txt").write_text("MIT License")
    (tmp_path / "other.js").write_text("not served")
    return WidgetSite(template, _no_api, root=tmp_path)


def _get(site: WidgetSite, path: str, domain: str = DOMAIN) -> HttpResponse:
    answer = site.answer(Request(method="GET", raw_path=path), domain)
    assert answer is not None, path
    return answer


def test_the_script_is_served_with_the_templates_widget_headers(template: Template, tmp_path: Path) -> None:
    answer = _get(_site(template, tmp_path), "/widget/loyalty.js")
    headers = dict(answer.headers)
    assert answer.status == 200 and headers["Content-Type"] == "text/javascript; charset=utf-8"
    # What CloudFront adds (WidgetHeadersPolicy): any shop may embed it, nothing may sniff it as another type.
    assert headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Strict-Transport-Security"].startswith("max-age=63072000")
    # The console keeps its own policy alone (the CSP, no cross-origin embedding).
    console = dict(ConsoleSite(template).headers)
    assert "Cross-Origin-Resource-Policy" not in console and "Access-Control-Allow-Origin" not in console
    assert console["X-Frame-Options"] == "DENY" and "script-src 'self'" in console["Content-Security-Policy"]


def test_the_demo_page_names_the_api_and_allows_it_alone(template: Template, tmp_path: Path) -> None:
    answer = _get(_site(template, tmp_path), "/widget/demo.html", domain="localhost:4123")
    page = answer.body.decode()
    api = "http://127.0.0.1:4123"  # the stack's own address, whatever name the shop's page was opened by
    assert "{{API}}" not in page
    assert f'<script src="{api}/widget/loyalty.js" defer></script>' in page
    assert f'<loyalty-panel api="{api}">' in page
    csp = dict(answer.headers)["Content-Security-Policy"]
    assert f"script-src {api};" in csp and f"connect-src {api};" in csp and "default-src 'none'" in csp
    assert "'unsafe-inline'" not in csp and "<script>" not in page  # every script is a file of the widget's origin
    script = _get(_site(template, tmp_path), "/widget/demo.js")
    assert script.status == 200 and b"tokenProvider" in script.body


def test_only_the_widgets_files_are_served(template: Template, tmp_path: Path) -> None:
    site = _site(template, tmp_path)
    for path in ("/widget/other.js", "/widget/../secret.txt", "/widget/demo/../loyalty.js", "/widget/", "/widget/x"):
        assert _get(site, path).status == 404, path
    assert site.answer(Request(method="GET", raw_path="/v1/me"), DOMAIN) is None
    assert site.answer(Request(method="POST", raw_path="/widget/loyalty.js"), DOMAIN) is None
    missing = WidgetSite(template, _no_api, root=tmp_path / "missing")
    unbuilt = _get(missing, "/widget/loyalty.js")
    assert unbuilt.status == 404 and b"make widget" in unbuilt.body


def _token(site: WidgetSite, body: object, content_type: str = "application/json") -> HttpResponse:
    headers = [("Content-Type", content_type)]
    request = Request(method="POST", raw_path="/widget/demo/token", headers=headers, body=json.dumps(body).encode())
    assert site.answer(request, DOMAIN) is None  # not a file: the gateway calls the route itself
    return site.token(request, DOMAIN)


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        ({"member_id": "ada"}, "application/json", 403),  # only demo- members
        ({"member_id": "demo-ada/../x"}, "application/json", 403),
        ({"member_id": "demo-ada"}, "text/plain", 415),  # a form or a simple request cannot ask
        ({"member_id": "demo-ada", "ttl_seconds": "60"}, "application/json", 422),
        ({"member_id": "demo-ada"}, "application/json", 503),  # no storefront key: not started by make run
    ],
)
def test_the_demo_token_route_refuses_what_a_shop_would_not_ask(
    template: Template, tmp_path: Path, body: object, content_type: str, status: int
) -> None:
    answer = _token(_site(template, tmp_path), body, content_type)
    assert answer.status == status
    assert dict(answer.headers)["Content-Type"] == "application/problem+json"


def test_the_demo_token_route_gives_a_token_for_that_member_alone_under_the_apis_cors(
    admin_api: Api, template: Template, monkeypatch: pytest.MonkeyPatch
) -> None:
    from harness.programs import program_document
    from loyalty.services import api_keys

    monkeypatch.setenv("WIDGET_ORIGINS", "http://shop.test")
    assert admin_api.put("/v1/admin/program", program_document()).status == 200
    assert admin_api.post("/v1/members", {"member_id": "demo-ada", "email": "ada@shop.example"}).status == 201
    gateway = Gateway(template)
    gateway.widget.demo_key = "lk_widget-site-test-demo-storefront-key-0001"
    api_keys.bootstrap_key(gateway.widget.demo_key, "storefront", "demo shop")

    def call(method: str, path: str, headers: list[tuple[str, str]], body: object = None) -> HttpResponse:
        raw = json.dumps(body).encode() if body is not None else b""
        return gateway.handle(Request(method=method, raw_path=path, headers=headers, body=raw), DOMAIN)

    shop = [("Origin", "http://shop.test")]
    preflight = call("OPTIONS", "/widget/demo/token", [*shop, ("Access-Control-Request-Method", "POST")])
    assert dict(preflight.headers)["Access-Control-Allow-Origin"] == "http://shop.test"
    stranger = [("Origin", "https://evil.example"), ("Access-Control-Request-Method", "POST")]
    assert "Access-Control-Allow-Origin" not in dict(call("OPTIONS", "/widget/demo/token", stranger).headers)

    json_body = [*shop, ("Content-Type", "application/json")]
    answer = call("POST", "/widget/demo/token", json_body, {"member_id": "demo-ada", "ttl_seconds": 60})
    assert answer.status == 201 and dict(answer.headers)["Access-Control-Allow-Origin"] == "http://shop.test"
    token = json.loads(answer.body)["token"]
    assert gateway.widget.demo_key not in answer.body.decode()  # the page gets a member token, never the key
    me = call("GET", "/v1/me", [("Authorization", f"Bearer {token}")])
    assert me.status == 200 and json.loads(me.body)["member_id"] == "demo-ada"
    elsewhere = call("GET", "/v1/members/demo-ada", [("Authorization", f"Bearer {token}")])
    assert elsewhere.status == 403  # a member token opens /v1/me alone
    unknown = call("POST", "/widget/demo/token", json_body, {"member_id": "demo-nobody"})
    assert unknown.status == 404 and json.loads(unknown.body)["code"] == "member_not_found"
