"""The local API Gateway (local.gateway.Gateway) as a WSGI app, so schemathesis can call it in-process:
route matching and the real handlers (which check the key), with no socket."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any
from urllib.parse import quote, urlsplit

from local.apigw import Request
from local.gateway import Gateway

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


def _headers(environ: dict[str, Any]) -> list[tuple[str, str]]:
    headers = [
        (name.removeprefix("HTTP_").replace("_", "-").lower(), str(value))
        for name, value in environ.items()
        if name.startswith("HTTP_")
    ]
    for name in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(name):
            headers.append((name.replace("_", "-").lower(), str(environ[name])))
    return headers


def _raw_path(environ: dict[str, Any]) -> str:
    """The path as the client sent it (still percent-encoded): the gateway decodes parameters itself."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw:
        return urlsplit(str(raw)).path or "/"
    return quote(str(environ.get("PATH_INFO", "/")).encode("latin-1"))


def app_for(gateway: Gateway) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        request = Request(
            method=str(environ["REQUEST_METHOD"]),
            raw_path=_raw_path(environ),
            raw_query=str(environ.get("QUERY_STRING", "")),
            headers=_headers(environ),
            body=body,
        )
        response = gateway.handle(request, "localhost")
        reason = HTTPStatus(response.status).phrase if response.status in HTTPStatus._value2member_map_ else ""
        headers = [*response.headers, ("Content-Length", str(len(response.body)))]
        start_response(f"{response.status} {reason}".strip(), headers)
        return [response.body]

    return app
