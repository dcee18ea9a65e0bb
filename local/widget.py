"""The shoppers' widget as the local stack serves it (``make run``), beside the console:

- ``/widget/loyalty.js`` and its licence, from build/widget (``make widget``), with the headers of the
  template's ``WidgetHeadersPolicy``, as CloudFront serves them deployed;
- ``/widget/demo.html``, a demo shop page (widget/demo/), under a Content-Security-Policy that lets it load
  scripts and styles from the widget's origin only and connect to the API only (the local API and the
  widget share the origin ``http://127.0.0.1:<port>``);
- ``POST /widget/demo/token``: the demo shop's own server route, the one a real shop writes (docs/shop.md).
  It holds a storefront key the local stack makes at start and asks ``POST /v1/members/{id}/tokens`` for a
  member whose id starts with ``demo-``, so the page gets a short-lived member token, never a key. It takes
  JSON only (so a cross-site form cannot call it, and a page of another origin must pass the API's CORS,
  WIDGET_ORIGINS). Local only: the template deploys no such route.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from local.apigw import HttpResponse, Request
from local.backend import HOST
from local.console import CONTENT_TYPES, security_headers
from local.template import Template

PREFIX = "/widget"
TOKEN_PATH = PREFIX + "/demo/token"
BUILT = ("loyalty.js", "loyalty.js.LICENSE.txt")
DEMO = ("demo.html", "demo.js", "demo.css", "demo-icon.svg")
DEMO_MEMBER = re.compile(r"demo-[A-Za-z0-9_.:-]{1,123}")

Api = Callable[[Request, str], HttpResponse]


def _problem(status: int, code: str, detail: str) -> HttpResponse:
    body = {"type": "about:blank", "title": detail, "status": status, "detail": detail, "code": code}
    return HttpResponse(status, [("Content-Type", "application/problem+json")], json.dumps(body).encode())


def _header(request: Request, name: str) -> str | None:
    return next((value for key, value in request.headers if key.lower() == name), None)


def api_origin(domain: str) -> str:
    """The local API's origin for a request that reached this server as ``domain`` (its Host header)."""
    port = domain.rsplit(":", 1)[1] if re.search(r":\d+$", domain) else "80"
    return f"http://{HOST}:{port}"


def demo_csp(api: str) -> str:
    """The demo shop's policy: the widget's origin for scripts and styles, the API's for connections (one
    origin locally), nothing inline, nothing else."""
    return (
        f"default-src 'none'; script-src {api}; style-src {api}; img-src {api}; connect-src {api}; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )


class WidgetSite:
    """``answer`` serves the widget and the demo shop's files (None for every other path, the token route's
    too); ``token`` answers the demo shop's token route, which the gateway calls under the API's CORS."""

    def __init__(self, template: Template, api: Api, root: Path | None = None, demo: Path | None = None) -> None:
        self.root = root or template.root / "build" / "widget"
        self.demo = demo or template.root / "widget" / "demo"
        self.headers = security_headers(template, "WidgetHeadersPolicy")
        self.api = api
        # Set by local.stack once the key is stored; until then the token route says it cannot serve.
        self.demo_key: str | None = None

    def answer(self, request: Request, domain: str) -> HttpResponse | None:
        path = request.raw_path
        if not path.startswith(PREFIX + "/"):
            return None
        if path == TOKEN_PATH or request.method not in ("GET", "HEAD"):
            return None  # the token route, or the API's own 404
        return self._static(path.removeprefix(PREFIX + "/"), domain)

    def _static(self, name: str, domain: str) -> HttpResponse:
        if name in BUILT:
            if not (self.root / name).is_file():
                return _problem(404, "not_found", f"{self.root} is not built yet (make widget)")
            return self._file(self.root / name)
        if name == "demo.html":
            api = api_origin(domain)
            page = (self.demo / name).read_text(encoding="utf-8").replace("{{API}}", api)
            headers = [("Content-Type", CONTENT_TYPES[".html"]), ("Cache-Control", "no-cache")]
            headers += [("Content-Security-Policy", demo_csp(api)), ("Referrer-Policy", "no-referrer")]
            return HttpResponse(200, headers, page.encode())
        if name in DEMO:
            return self._file(self.demo / name)
        return _problem(404, "not_found", "Not Found")

    def _file(self, file: Path) -> HttpResponse:
        content_type = CONTENT_TYPES.get(file.suffix, "application/octet-stream")
        # Rebuilt at will and unversioned locally: always revalidate (deployed, the upload sets max-age).
        headers = [("Content-Type", content_type), ("Cache-Control", "no-cache"), *self.headers]
        return HttpResponse(200, headers, file.read_bytes())

    def token(self, request: Request, domain: str) -> HttpResponse:
        """The demo shop's server: a member token for a demo- member, from the shop's storefront key. (The
        gateway answers its CORS as the API's: a preflight, then the allowed origin on the answer.)"""
        try:
            member, ttl = _demo_request(request)
            if self.demo_key is None:
                raise _Refused(503, "unavailable", "the demo shop has no storefront key: start it with make run")
        except _Refused as refused:
            return _problem(refused.status, refused.code, refused.detail)
        forward = Request(
            method="POST",
            raw_path=f"/v1/members/{quote(member, safe='')}/tokens",
            headers=[("Authorization", f"Bearer {self.demo_key}"), ("Content-Type", "application/json")],
            body=json.dumps({} if ttl is None else {"ttl_seconds": ttl}).encode(),
        )
        return self.api(forward, domain)


class _Refused(Exception):
    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail


def _demo_request(request: Request) -> tuple[str, int | None]:
    """The member and the token's lifetime a demo shop's page asks for, or why it may not."""
    if request.method != "POST":
        raise _Refused(405, "method_not_allowed", "POST a JSON body {member_id, ttl_seconds?}")
    if (_header(request, "content-type") or "").split(";")[0].strip().lower() != "application/json":
        raise _Refused(415, "unsupported_media_type", "send Content-Type: application/json")
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        body = None
    member = body.get("member_id") if isinstance(body, dict) else None
    ttl = body.get("ttl_seconds") if isinstance(body, dict) else None
    if not isinstance(member, str) or not DEMO_MEMBER.fullmatch(member):
        raise _Refused(403, "forbidden", "the demo shop gives tokens for members demo-<id> only")
    if ttl is not None and (not isinstance(ttl, int) or isinstance(ttl, bool)):
        raise _Refused(422, "validation_error", "ttl_seconds must be an integer")
    return member, ttl
