"""The committed OpenAPI document is what the code declares, and it covers every route of the template."""

from __future__ import annotations

import json
from typing import Any

from local import openapi


def test_committed_document_matches_the_code(template: Any) -> None:
    generated = openapi.render(openapi.generate(template))
    committed = openapi.DOCUMENT.read_text()
    assert committed == generated, "docs/openapi.json drifted from the resolvers: run `make openapi` and commit it"


def test_every_template_route_is_documented_and_nothing_else(template: Any) -> None:
    document = json.loads(openapi.DOCUMENT.read_text())
    documented = {(method.upper(), path) for path, operations in document["paths"].items() for method in operations}
    routes = {(route.method, route.path) for route in template.http_routes()}
    assert documented == routes


def test_errors_are_documented_as_problem_json_and_keys_as_bearer(template: Any) -> None:
    document = json.loads(openapi.DOCUMENT.read_text())
    members = document["paths"]["/v1/members"]["post"]
    assert members["security"] == [{"bearer": []}]
    assert "application/problem+json" in members["responses"]["422"]["content"]
    assert "security" not in document["paths"]["/v1/health"]["get"]
