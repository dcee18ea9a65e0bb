"""The local API Gateway: an HTTP server that runs the template's HttpApi routes (and a Lambda authorizer
when a template names one; template.yaml does not: its functions check their callers' keys), plus Swagger
UI at /docs for the committed docs/openapi.json, the built admin console at /console/ and the shoppers'
widget at /widget/ (what CloudFront serves when deployed), with the widget's demo shop."""

from __future__ import annotations

import json
import sys
import threading
import time
import traceback
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from local import console, cors, runtime, widget
from local.apigw import (
    HttpResponse,
    Request,
    authorizer_event,
    authorizer_verdict,
    http_event,
    identity_values,
    json_response,
    match_route,
    to_http,
)
from local.backend import HOST
from local.template import Template

Invoker = Callable[[str, dict[str, Any]], Any]

SWAGGER_INDEX = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <title>Loyalty API (local)</title>
  <link rel="stylesheet" type="text/css" href="./swagger-ui.css">
  <link rel="stylesheet" type="text/css" href="./index.css">
  <link rel="icon" type="image/png" href="./favicon-32x32.png" sizes="32x32">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="./swagger-ui-bundle.js" charset="UTF-8"></script>
  <script src="./swagger-ui-standalone-preset.js" charset="UTF-8"></script>
  <script>
    window.onload = () => {
      window.ui = SwaggerUIBundle({
        url: "/openapi.json",
        dom_id: "#swagger-ui",
        deepLinking: true,
        persistAuthorization: true,
        presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
        layout: "StandaloneLayout",
      });
    };
  </script>
</body>
</html>
"""
_STATIC_TYPES = {".css": "text/css", ".js": "application/javascript", ".png": "image/png", ".map": "application/json"}


def _swagger_dir() -> Path:
    from swagger_ui_bundle import swagger_ui_path  # type: ignore[import-untyped]

    return Path(str(swagger_ui_path))


class Gateway:
    """Everything API Gateway does between the socket and the functions; ``handle`` needs no socket."""

    def __init__(self, template: Template, invoke: Invoker | None = None) -> None:
        self.template = template
        self.routes = template.http_routes()
        self.authorizer = template.authorizer_spec()
        self.invoke: Invoker = invoke or (lambda logical_id, event: runtime.invoke(template, logical_id, event))
        self.openapi = template.root / "docs" / "openapi.json"
        self.console = console.ConsoleSite(template)
        self.widget = widget.WidgetSite(template, self.handle)
        api = template.raw.get("Resources", {}).get("HttpApi", {}).get("Properties", {})
        self.cors = cors.Cors.of(api.get("CorsConfiguration"))  # the shops' origins: WIDGET_ORIGINS

    def handle(self, request: Request, domain: str) -> HttpResponse:
        docs = self._docs(request)
        if docs is not None:
            return docs
        site = self.console.answer(request.method, request.raw_path) or self.widget.answer(request, domain)
        if site is not None:
            return site
        preflight = self.cors.preflight(request)  # answered by API Gateway itself, before any route
        if preflight is not None:
            return preflight
        # The widget demo shop's token route stands for a shop's own server, on the API's origin: the same
        # CORS as the API's routes lets the demo page, opened from a shop origin, call it.
        if request.raw_path == widget.TOKEN_PATH:
            return self.cors.decorate(request, self.widget.token(request, domain))
        return self.cors.decorate(request, self._route(request, domain))

    def _route(self, request: Request, domain: str) -> HttpResponse:
        found = match_route(self.routes, request.method, request.raw_path)
        if found is None:
            return json_response(404, {"message": "Not Found"})
        route, path_parameters = found
        event = http_event(route, path_parameters, request, domain)
        try:
            if not route.auth_none and self.authorizer is not None:
                denied = self._authorize(event)
                if denied is not None:
                    return denied
            return to_http(self.invoke(route.function, event))
        except Exception:  # API Gateway answers any integration failure with a 500
            traceback.print_exc(file=sys.stderr)
            return json_response(500, {"message": "Internal Server Error"})

    def _authorize(self, event: dict[str, Any]) -> HttpResponse | None:
        """Run the authorizer as API Gateway does; a response to send instead of the route's, or None."""
        assert self.authorizer is not None
        identity = identity_values(event, self.authorizer.identity_headers, self.authorizer.identity_query_strings)
        if identity is None:
            return json_response(401, {"message": "Unauthorized"})
        result = self.invoke(self.authorizer.function, authorizer_event(event, identity))
        allowed, context = authorizer_verdict(result, self.authorizer.simple_responses)
        if not allowed:
            return json_response(403, {"message": "Forbidden"})
        event["requestContext"]["authorizer"] = {"lambda": context}
        return None

    def _docs(self, request: Request) -> HttpResponse | None:
        """Swagger UI and the OpenAPI document; None for every other path."""
        path = request.raw_path
        if request.method not in ("GET", "HEAD") or not (path == "/openapi.json" or path.startswith("/docs")):
            return None
        if path == "/openapi.json":
            if not self.openapi.is_file():
                return json_response(404, {"message": f"{self.openapi} does not exist yet (make openapi)"})
            return HttpResponse(200, [("Content-Type", "application/json")], self.openapi.read_bytes())
        if path == "/docs":
            # The page's assets are relative (./swagger-ui.css), so the page must live at /docs/.
            return HttpResponse(301, [("Location", "/docs/")])
        return _swagger_asset(path.removeprefix("/docs/"))


def _swagger_asset(name: str) -> HttpResponse:
    if name in ("", "index.html"):
        return HttpResponse(200, [("Content-Type", "text/html; charset=utf-8")], SWAGGER_INDEX.encode())
    asset = _swagger_dir() / name
    if "/" in name or name.startswith(".") or not asset.is_file():
        return json_response(404, {"message": "Not Found"})
    content_type = _STATIC_TYPES.get(asset.suffix, "application/octet-stream")
    return HttpResponse(200, [("Content-Type", content_type)], asset.read_bytes())


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: GatewayServer

    def _serve(self) -> None:
        started = time.monotonic()
        parts = urlsplit(self.path)
        request = Request(
            method=self.command,
            raw_path=parts.path or "/",
            raw_query=parts.query,
            headers=list(self.headers.items()),
            body=self._read_body(),
            source_ip=self.client_address[0],
            protocol=self.request_version,
        )
        host = self.headers.get("Host") or f"{HOST}:{self.server.server_port}"
        response = self.server.gateway.handle(request, host)
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD" and response.body:
            self.wfile.write(response.body)
        # The path only, never the query string or body: they may carry personal data such as emails.
        elapsed = (time.monotonic() - started) * 1000
        print(f"{self.command} {request.raw_path} {response.status} {elapsed:.0f}ms", file=sys.stderr, flush=True)

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while (size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)) > 0:
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline().strip():
                pass  # trailers end with an empty line
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

    def __getattr__(self, name: str) -> Any:
        # http.server answers a method it has no do_<METHOD> for with an HTML 501. API Gateway matches
        # routes by method and path, so any other method (TRACE, BREW, ...) is one more request that
        # no route matches: the gateway answers it, {"message": "Not Found"} with 404.
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """What http.server refuses before any route is looked at (a malformed request line, headers too
        long, an unsupported HTTP version), answered as API Gateway answers: JSON ``{"message": ...}``,
        never http.server's HTML page."""
        try:
            phrase = HTTPStatus(code).phrase
        except ValueError:
            phrase = "Error"
        body = json.dumps({"message": phrase}, separators=(",", ":")).encode()
        self.log_error("code %d, message %s", code, message)
        # A request line too broken to name its version leaves http.server at HTTP/0.9, which has no
        # status line or headers: answer as the HTTP/1.1 server this is.
        if self.request_version == "HTTP/0.9":
            self.request_version = self.protocol_version
        self.send_response(code, phrase)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD" and code >= 200 and code not in (HTTPStatus.NO_CONTENT, HTTPStatus.NOT_MODIFIED):
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Silenced: the default line includes the query string; ``_serve`` prints its own."""


class GatewayServer(ThreadingHTTPServer):
    daemon_threads = True  # a client that keeps its connection open must not hold up shutdown
    # socketserver listens with a backlog of 5: a burst of clients overflows it and the kernel drops
    # their handshakes (seconds of SYN retries, then resets or timeouts). API Gateway takes bursts, so
    # the local one queues as many connections as the kernel allows (capped by net.core.somaxconn).
    request_queue_size = 1024

    def __init__(self, gateway: Gateway, port: int, host: str = HOST) -> None:
        self.gateway = gateway
        super().__init__((host, port), _Handler)

    def start_thread(self) -> threading.Thread:
        """Serve in a daemon thread; ``shutdown()`` stops it (within the 0.2 s poll interval)."""
        thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.2}, name="gateway", daemon=True)
        thread.start()
        return thread


def serve(template: Template, port: int, invoke: Invoker | None = None) -> tuple[GatewayServer, threading.Thread]:
    """Start the gateway on 127.0.0.1:``port`` in a thread; stop it with ``server.shutdown()``."""
    server = GatewayServer(Gateway(template, invoke), port)
    return server, server.start_thread()
