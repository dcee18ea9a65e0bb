"""The OpenAPI document, generated from the powertools resolvers of every API function.

``python -m local.openapi --write`` refreshes docs/openapi.json; ``--check`` fails when the committed
document differs from what the code declares (the drift test runs the same comparison).
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path
from typing import Any

from local import runtime
from local import template as template_loader

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT = ROOT / "docs" / "openapi.json"
PROBLEM = {"$ref": "#/components/schemas/Problem"}
ERRORS = {
    "401": "Missing, unknown or revoked API key",
    "403": "The key's scope does not allow this route",
    "404": "Not found",
    "409": "Conflict (see code)",
    "415": "Content-Type malformed or not one the route takes (validation_error): send application/json",
    "422": "Validation failed (errors lists each field)",
    "500": "Internal error (internal_error): logged and counted; not worth retrying as is",
    "503": "Busy: concurrent changes or the data store; retry with the same client id",
}


def _problem_schema() -> dict[str, Any]:
    from loyalty.models.problem import Problem

    schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    definitions = schema.pop("$defs", {})
    return {"Problem": schema, **definitions}


# How one operation's answer feeds the next (OpenAPI links): what a client does after each write, and what
# schemathesis' stateful phase chains (enroll -> order -> refund -> redeem -> use or cancel). Each link:
# (source method, source path) -> [(name, target method, target path, parameters, requestBody)].
MEMBER = "$response.body#/member_id"
LINKS: dict[tuple[str, str], list[tuple[str, str, str, dict[str, str], dict[str, str] | None]]] = {
    ("POST", "/v1/members"): [
        ("ReadMember", "GET", "/v1/members/{member_id}", {"path.member_id": MEMBER}, None),
        ("UpdateMember", "PATCH", "/v1/members/{member_id}", {"path.member_id": MEMBER}, None),
        ("ReadActivity", "GET", "/v1/members/{member_id}/activity", {"path.member_id": MEMBER}, None),
        ("ListVouchers", "GET", "/v1/members/{member_id}/redemptions", {"path.member_id": MEMBER}, None),
        ("PlaceOrder", "POST", "/v1/orders", {}, {"member_id": MEMBER}),
        ("Redeem", "POST", "/v1/members/{member_id}/redemptions", {"path.member_id": MEMBER}, None),
        ("Adjust", "POST", "/v1/admin/members/{member_id}/adjustments", {"path.member_id": MEMBER}, None),
    ],
    ("POST", "/v1/orders"): [
        ("ReadOrder", "GET", "/v1/orders/{order_id}", {"path.order_id": "$response.body#/order_id"}, None),
        ("Refund", "POST", "/v1/orders/{order_id}/refunds", {"path.order_id": "$response.body#/order_id"}, None),
        ("Redeem", "POST", "/v1/members/{member_id}/redemptions", {"path.member_id": MEMBER}, None),
        ("ReadMember", "GET", "/v1/members/{member_id}", {"path.member_id": MEMBER}, None),
    ],
    ("POST", "/v1/orders/{order_id}/refunds"): [
        ("ReadOrder", "GET", "/v1/orders/{order_id}", {"path.order_id": "$response.body#/order_id"}, None),
    ],
    ("POST", "/v1/members/{member_id}/redemptions"): [
        (
            "Use",
            "POST",
            "/v1/redemptions/{redemption_id}/use",
            {"path.redemption_id": "$response.body#/redemption_id"},
            None,
        ),
        (
            "Cancel",
            "POST",
            "/v1/redemptions/{redemption_id}/cancel",
            {"path.redemption_id": "$response.body#/redemption_id"},
            None,
        ),
        ("CheckVoucher", "GET", "/v1/vouchers/{code}", {"path.code": "$response.body#/code"}, None),
        ("ReadReward", "GET", "/v1/rewards/{reward_id}", {"path.reward_id": "$response.body#/reward_id"}, None),
    ],
    ("PUT", "/v1/admin/rewards/{reward_id}"): [
        ("ReadReward", "GET", "/v1/rewards/{reward_id}", {"path.reward_id": "$request.path.reward_id"}, None),
        ("Redeem", "POST", "/v1/members/{member_id}/redemptions", {}, {"reward_id": "$request.path.reward_id"}),
    ],
    ("POST", "/v1/admin/members/{member_id}/adjustments"): [
        (
            "ReadActivity",
            "GET",
            "/v1/members/{member_id}/activity",
            {"path.member_id": "$request.path.member_id"},
            None,
        ),
    ],
    ("POST", "/v1/admin/keys"): [
        ("Revoke", "DELETE", "/v1/admin/keys/{key_id}", {"path.key_id": "$response.body#/key_id"}, None),
    ],
}


# Bodies a route takes that its resolver does not parse (so does not declare): the one-click unsubscribe's
# form, as RFC 8058 has mail apps send it (loyalty.entrypoints.media_types). Optional: the body is not read.
_ONE_CLICK = {
    "schema": {
        "type": "object",
        "properties": {"List-Unsubscribe": {"type": "string", "enum": ["One-Click"]}},
        "additionalProperties": False,
    }
}
REQUEST_BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/v1/unsubscribe/{token}"): {
        "required": False,
        "description": "What mail apps send (RFC 8058): List-Unsubscribe=One-Click; not read.",
        "content": {"application/x-www-form-urlencoded": _ONE_CLICK, "multipart/form-data": _ONE_CLICK},
    },
}


def _link(document: dict[str, Any]) -> None:
    """Put LINKS on the 201 and 200 answers of their operations, naming targets by operationId."""
    for (method, path), links in LINKS.items():
        operation = document["paths"][path][method.lower()]
        declared: dict[str, Any] = {}
        for name, target_method, target_path, parameters, body in links:
            link: dict[str, Any] = {"operationId": document["paths"][target_path][target_method.lower()]["operationId"]}
            if parameters:
                link["parameters"] = parameters
            if body is not None:
                link["requestBody"] = body
            declared[name] = link
        for status in ("201", "200"):
            if status in operation["responses"]:
                operation["responses"][status]["links"] = declared


def generate(template: template_loader.Template | None = None) -> dict[str, Any]:
    template = template or template_loader.load(str(ROOT / "template.yaml"))
    runtime.add_layers(template)
    # Which routes need no key is the functions' own rule (there is no authorizer): the layer's.
    access = importlib.import_module("loyalty.entrypoints.access")
    routes = template.http_routes()
    public = {(route.method, route.path) for route in routes if access.required_scope(route.path) is None}
    functions = sorted({route.function for route in template.http_routes()})
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": "Loyalty API",
            "version": "1.0.0",
            "description": (
                "Serverless customer-loyalty platform. Contract: shared/API.md. Errors are RFC 9457 problem+json."
            ),
        },
        "servers": [{"url": "http://127.0.0.1:3000", "description": "make run"}],
        "paths": {},
        "components": {
            "schemas": _problem_schema(),
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "API key (lk_...)"},
                "member_token": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "Member token (POST /v1/members/{member_id}/tokens): the /v1/me routes only",
                },
            },
        },
    }
    for logical_id in functions:
        app = runtime.load_module(template, logical_id).app  # the function's resolver
        schema = json.loads(app.get_openapi_json_schema())
        for path, operations in schema.get("paths", {}).items():
            for method, operation in operations.items():
                _shape(operation, (method.upper(), path) in public, path)
            document["paths"].setdefault(path, {}).update(operations)
        for name, component in schema.get("components", {}).get("schemas", {}).items():
            if name not in ("HTTPValidationError", "ValidationError", "ResponseValidationError"):
                document["components"]["schemas"][name] = component
    for (method, path), body in REQUEST_BODIES.items():
        document["paths"][path][method.lower()]["requestBody"] = body
    _link(document)
    return document


MEMBER_ERRORS = {
    "401": "Missing or bad member token (unauthorized), an expired one (token_expired), or its member is gone",
    "403": "An API key, not a member token; or the token lacks the scope (redeem) this route needs",
}
# Writes that have no client id, so no replay: each request makes a new one (a token).
NOT_REPLAYED = {"/v1/members/{member_id}/tokens"}


def _shape(operation: dict[str, Any], public: bool, path: str = "") -> None:
    """Errors as the API really answers them (problem+json), and the bearer key (or, under /v1/me, the
    member token) where one is needed."""
    responses = operation.setdefault("responses", {})
    for status, description in ERRORS.items():
        if public and status in ("401", "403"):
            continue
        responses[status] = {"description": description, "content": {"application/problem+json": {"schema": PROBLEM}}}
    if not public:
        member = path == "/v1/me" or path.startswith("/v1/me/")
        operation["security"] = [{"member_token": []}] if member else [{"bearer": []}]
        if member:
            responses["401"]["description"] = MEMBER_ERRORS["401"]
            responses["403"]["description"] = MEMBER_ERRORS["403"]
    # A created resource and its replay (200: the first result) share one body, unless the route
    # documents a 200 of its own (a replaced webhook answers without its secret).
    own_200 = responses.get("200", {}).get("description", "Successful Response") != "Successful Response"
    if "content" in responses.get("201", {}) and not own_200 and path not in NOT_REPLAYED:
        responses["200"] = {
            "description": "Replay of an earlier request with the same client id: the first result",
            "content": responses["201"]["content"],
        }
    # 204 has no body; the resolver's placeholder schema would make generated clients try to parse one.
    responses.get("204", {}).pop("content", None)


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help="write docs/openapi.json")
    parser.add_argument("--check", action="store_true", help="fail if docs/openapi.json is out of date")
    args = parser.parse_args()
    text = render(generate())
    if args.write:
        DOCUMENT.parent.mkdir(exist_ok=True)
        DOCUMENT.write_text(text)
        print(f"wrote {DOCUMENT.relative_to(ROOT)}")
    elif args.check:
        if not DOCUMENT.is_file() or DOCUMENT.read_text() != text:
            print("docs/openapi.json is out of date: run make openapi", file=sys.stderr)
            return 1
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
