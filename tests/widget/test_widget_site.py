"""How the local gateway serves the widget and its demo shop (local/widget.py): the template's headers on
the script, the demo page's Content-Security-Policy, nothing outside the few files, and the demo shop's
token route. (No browser, no subprocess.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from local.apigw import HttpResponse, Request
from local.console import ConsoleSite
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


def _token(
    site: WidgetSite, body: object, origin: str | None = None, content_type: str = "application/json"
) -> HttpResponse:
    headers = [("Content-Type", content_type)] + ([("Origin", origin)] if origin else [])
    request = Request(method="POST", raw_path="/widget/demo/token", headers=headers, body=json.dumps(body).encode())
    answer = site.answer(request, DOMAIN)
    assert answer is not None
    return answer


@pytest.mark.parametrize(
    ("body", "origin", "content_type", "status"),
    [
        ({"member_id": "ada"}, None, "application/json", 403),  # only demo- members
        ({"member_id": "demo-ada/../x"}, None, "application/json", 403),
        ({"member_id": "demo-ada"}, "https://evil.example", "application/json", 403),
        ({"member_id": "demo-ada"}, None, "text/plain", 415),  # a form or a simple request cannot ask
        ({"member_id": "demo-ada", "ttl_seconds": "60"}, None, "application/json", 422),
        ({"member_id": "demo-ada"}, "http://127.0.0.1:3000", "application/json", 503),  # no key: not make run
    ],
)
def test_the_demo_token_route_refuses_what_a_shop_would_not_ask(
    template: Template, tmp_path: Path, body: object, origin: str | None, content_type: str, status: int
) -> None:
    answer = _token(_site(template, tmp_path), body, origin, content_type)
    assert answer.status == status
    assert dict(answer.headers)["Content-Type"] == "application/problem+json"
