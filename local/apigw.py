"""API Gateway HTTP API semantics, without sockets: route matching, payload 2.0 events (route and
REQUEST authorizer), the authorizer's verdict, and the function's result turned into an HTTP answer."""

from __future__ import annotations

import base64
import json
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote

from local.intrinsics import ACCOUNT_ID, REGION
from local.template import Route

API_ID = "local"
STAGE = "$default"
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# Bodies of these content types reach the function as text; anything else arrives base64-encoded.
_TEXT_TYPES = (
    "text/",
    "application/json",
    "application/xml",
    "application/javascript",
    "application/x-www-form-urlencoded",
)
_TEXT_SUFFIXES = ("+json", "+xml")


@dataclass(frozen=True)
class Request:
    method: str
    raw_path: str
    raw_query: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    source_ip: str = "127.0.0.1"
    protocol: str = "HTTP/1.1"


@dataclass
class HttpResponse:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


class MalformedResponseError(ValueError):
    """A function answered something API Gateway would reject (it then answers 500)."""


def json_response(status: int, payload: Any) -> HttpResponse:
    # API Gateway writes its own answers compactly: {"message":"Not Found"}.
    return HttpResponse(
        status, [("Content-Type", "application/json")], json.dumps(payload, separators=(",", ":")).encode()
    )


def _segments(path: str) -> list[str]:
    return path.strip("/").split("/") if path.strip("/") else []


def _match_path(template_path: str, path: str) -> tuple[list[int], dict[str, str]] | None:
    """(segment kinds, path parameters) when ``path`` fits ``template_path``; kinds rank specificity."""
    pattern, actual = _segments(template_path), _segments(path)
    params: dict[str, str] = {}
    kinds: list[int] = []
    for index, part in enumerate(pattern):
        if part.startswith("{") and part.endswith("+}"):
            rest = actual[index:]
            if index != len(pattern) - 1 or not rest:
                return None
            params[part[1:-2]] = unquote("/".join(rest))
            return [*kinds, 0], params
        if index >= len(actual):
            return None
        if part.startswith("{") and part.endswith("}"):
            params[part[1:-1]] = unquote(actual[index])
            kinds.append(1)
        elif part == actual[index]:
            kinds.append(2)
        else:
            return None
    return (kinds, params) if len(pattern) == len(actual) else None


def _match_one(route: Route, method: str, path: str) -> tuple[tuple[int, ...], dict[str, str]] | None:
    """(specificity, path parameters) when ``route`` matches, else None."""
    if route.method not in (method, "ANY"):
        return None
    if route.path == "$default":
        return (-1,), {}
    found = _match_path(route.path, path)
    if found is None:
        return None
    # Literal segments beat variables, variables beat greedy ones, an exact method beats ANY.
    return (*found[0], 1 if route.method == method else 0), found[1]


def match_route(routes: Iterable[Route], method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """The most specific route for ``method path``, as API Gateway chooses it, with its path parameters."""
    best: tuple[tuple[int, ...], Route, dict[str, str]] | None = None
    for route in routes:
        found = _match_one(route, method.upper(), path)
        if found is not None and (best is None or found[0] > best[0]):
            best = (found[0], route, found[1])
    return (best[1], best[2]) if best else None


def route_key(route: Route) -> str:
    return "$default" if route.path == "$default" else f"{route.method} {route.path}"


def _is_text(content_type: str | None, body: bytes) -> bool:
    # Bytes that are not UTF-8 reach the function base64-encoded whatever their declared type: the
    # event is JSON text, so they could not travel any other way (a client's bad body must not crash us).
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    if not content_type:
        return True
    media = content_type.split(";")[0].strip().lower()
    return media.startswith(_TEXT_TYPES) or media.endswith(_TEXT_SUFFIXES)


def _request_id() -> str:
    # API Gateway's ids look like "JKJaXmPLvHcESHA=": base64 of 10 random bytes.
    return base64.b64encode(os.urandom(10)).decode()


def _clf_time(epoch: float) -> str:
    """API Gateway's requestContext.time, e.g. "12/Mar/2020:19:03:58 +0000" (English month, whatever the locale)."""
    moment = time.gmtime(epoch)
    month = _MONTHS[moment.tm_mon - 1]
    return f"{moment.tm_mday:02d}/{month}/{moment.tm_year}:{time.strftime('%H:%M:%S', moment)} +0000"


def _headers_and_cookies(raw: list[tuple[str, str]]) -> tuple[dict[str, str], list[str]]:
    """Lower-cased headers, repeated ones comma-joined; Cookie headers become the ``cookies`` list."""
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in raw:
        key = name.lower()
        if key == "cookie":
            cookies.extend(part.strip() for part in value.split(";") if part.strip())
            continue
        headers[key] = f"{headers[key]},{value}" if key in headers else value
    return headers, cookies


def _query(raw_query: str) -> dict[str, str]:
    query: dict[str, str] = {}
    for name, value in parse_qsl(raw_query, keep_blank_values=True):
        query[name] = f"{query[name]},{value}" if name in query else value
    return query


def http_event(route: Route, path_parameters: dict[str, str], request: Request, domain: str) -> dict[str, Any]:
    """The payload 2.0 event API Gateway sends the route's function.

    Like API Gateway, keys with nothing to say (cookies, queryStringParameters, pathParameters, body)
    are left out rather than set to null.
    """
    headers, cookies = _headers_and_cookies(request.headers)
    now = time.time()
    key = route_key(route)
    # An HTTP API hands the function its path percent-decoded, in rawPath and requestContext.http.path
    # alike (REST APIs and function URLs keep the encoding): a voucher typed "ABCD EFGH" arrives so.
    path = unquote(request.raw_path)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": key,
        "rawPath": path,
        "rawQueryString": request.raw_query,
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = headers
    if request.raw_query:
        event["queryStringParameters"] = _query(request.raw_query)
    event["requestContext"] = {
        "accountId": ACCOUNT_ID,
        "apiId": API_ID,
        "domainName": domain,
        "domainPrefix": domain.split(".", maxsplit=1)[0],
        "http": {
            "method": request.method.upper(),
            "path": path,
            "protocol": request.protocol,
            "sourceIp": request.source_ip,
            "userAgent": headers.get("user-agent", ""),
        },
        "requestId": _request_id(),
        "routeKey": key,
        "stage": STAGE,
        "time": _clf_time(now),
        "timeEpoch": int(now * 1000),
    }
    if path_parameters:
        event["pathParameters"] = path_parameters
    if request.body:
        text = _is_text(headers.get("content-type"), request.body)
        event["body"] = request.body.decode("utf-8") if text else base64.b64encode(request.body).decode()
        event["isBase64Encoded"] = not text
    else:
        event["isBase64Encoded"] = False
    event["stageVariables"] = None
    return event


def route_arn(event: dict[str, Any]) -> str:
    http = event["requestContext"]["http"]
    return f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{API_ID}/{STAGE}/{http['method']}{http['path']}"


def identity_values(
    event: dict[str, Any], headers: tuple[str, ...], query_strings: tuple[str, ...]
) -> list[str] | None:
    """The identity source values, or None when a configured one is missing (API Gateway then answers 401)."""
    values = [event["headers"].get(name) for name in headers]
    values += [event.get("queryStringParameters", {}).get(name) for name in query_strings]
    if any(value is None for value in values):
        return None
    return [str(value) for value in values]


def authorizer_event(event: dict[str, Any], identity_source: list[str]) -> dict[str, Any]:
    """The payload 2.0 REQUEST authorizer event for the route event ``event``."""
    auth: dict[str, Any] = {
        "version": "2.0",
        "type": "REQUEST",
        "routeArn": route_arn(event),
        "identitySource": identity_source,
        "routeKey": event["routeKey"],
        "rawPath": event["rawPath"],
        "rawQueryString": event["rawQueryString"],
    }
    for key in ("cookies", "headers", "queryStringParameters", "requestContext", "pathParameters", "stageVariables"):
        if key in event:
            auth[key] = event[key]
    return auth


def authorizer_verdict(result: Any, simple_responses: bool) -> tuple[bool, dict[str, Any] | None]:
    """(allowed, context) from an authorizer's answer; raises MalformedResponseError like API Gateway's 500."""
    if not isinstance(result, dict):
        raise MalformedResponseError(f"authorizer returned {type(result).__name__}, not an object")
    context = result.get("context")
    if context is not None and not isinstance(context, dict):
        raise MalformedResponseError("authorizer context must be an object")
    if simple_responses:
        if not isinstance(result.get("isAuthorized"), bool):
            raise MalformedResponseError("a simple authorizer response needs a boolean isAuthorized")
        return result["isAuthorized"], context
    statements = (result.get("policyDocument") or {}).get("Statement") or []
    effects = {str(statement.get("Effect", "")).lower() for statement in statements}
    return ("allow" in effects and "deny" not in effects), context


def to_http(result: Any) -> HttpResponse:
    """Turn a function's payload 2.0 answer into the HTTP response API Gateway would send."""
    if not isinstance(result, dict) or "statusCode" not in result:
        # API Gateway's rule for answers without a statusCode: 200, JSON, the answer itself as the body.
        return HttpResponse(200, [("Content-Type", "application/json")], json.dumps(result).encode())
    try:
        status = int(result["statusCode"])
    except (TypeError, ValueError):
        raise MalformedResponseError(f"statusCode {result['statusCode']!r} is not a number") from None
    headers: list[tuple[str, str]] = [(str(k), str(v)) for k, v in (result.get("headers") or {}).items()]
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers += [(str(name), str(value)) for value in values]
    headers += [("Set-Cookie", str(cookie)) for cookie in result.get("cookies") or []]
    body = result.get("body")
    if body is None:
        return HttpResponse(status, headers)
    if not isinstance(body, str):
        raise MalformedResponseError(f"body must be a string, got {type(body).__name__}")
    payload = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode("utf-8")
    return HttpResponse(status, headers, payload)
