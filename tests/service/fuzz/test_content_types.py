"""Every route of docs/openapi.json, sent the Content-Types schemathesis tries: a 4xx problem+json, never
a 500 (schemathesis found four operations answering 500 to ``multipart/form-data`` without a boundary:
PATCH members, POST adjustments, redemptions and refunds). A type a route does not take, or a header that
is not a media type, is 415 ``validation_error`` (loyalty.entrypoints.media_types).

The two routes that take more than JSON keep taking it: the one-click unsubscribe the form bodies of
RFC 8058 (``List-Unsubscribe=One-Click``, multipart/form-data or application/x-www-form-urlencoded), a
platform's webhook Shopify's JSON and WooCommerce's form-encoded ping.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from harness.api import Answer, Api
from local.template import ROOT
from loyalty.entrypoints import media_types
from loyalty.services import unsubscribe

DOCUMENT = json.loads((ROOT / "docs" / "openapi.json").read_text(encoding="utf-8"))
OPERATIONS = sorted(
    (method.upper(), path, "requestBody" in operation)
    for path, operations in DOCUMENT["paths"].items()
    for method, operation in operations.items()
)
PUBLIC = {"/v1/health", "/v1/unsubscribe/{token}", "/v1/integrations/{connection_id}/webhooks"}
# A path value that satisfies each parameter's pattern, so only the Content-Type decides.
PATH_VALUES = {"code": "ABCDEFGH2345", "token": "abc.def"}

# What schemathesis sends, and a few more a client gets wrong: (Content-Type, body).
MULTIPART_BODY = b'--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--\r\n'
ODD_TYPES: dict[str, tuple[str, bytes]] = {
    "multipart without boundary": ("multipart/form-data", MULTIPART_BODY),
    "multipart with boundary": ("multipart/form-data; boundary=x", MULTIPART_BODY),
    "text/plain": ("text/plain", b"hello"),
    "form-urlencoded": ("application/x-www-form-urlencoded", b"a=1&b=2"),
    "xml": ("application/xml", b"<a>1</a>"),
    "json with an empty charset": ("application/json; charset=", b"{}"),
    "json in latin-1": ("application/json; charset=iso-8859-1", b"{}"),
    "a bogus type": ("bogus", b"{}"),
    "an empty type": ("", b"{}"),
    "two types": ("application/json, text/plain", b"{}"),
    "a parameter without a value": ("application/json; charset", b"{}"),
    "an octet stream": ("application/octet-stream", b"\x00\x01"),
    "a JSON look-alike": ("application/jsonx", b"{}"),
    "problem+json": ("application/problem+json", b"{}"),
}
JSON_SPELLINGS = ("application/json", 'Application/JSON; charset="UTF-8"', "application/json;charset=utf-8;")
# What each public route takes besides JSON (a header the route takes is answered by its own rules).
TAKES = {
    "/v1/unsubscribe/{token}": {"form-urlencoded", "multipart with boundary"},
    "/v1/integrations/{connection_id}/webhooks": {"form-urlencoded"},
}


def test_the_operations_include_ones_with_a_body_and_ones_without() -> None:
    assert {has_body for _, _, has_body in OPERATIONS} == {True, False} and len(OPERATIONS) >= 30


def concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda match: PATH_VALUES.get(match.group(1), "x-1"), path)


def assert_problem(answer: Answer, what: str) -> None:
    assert 400 <= answer.status < 500, f"{what}: {answer.status} {answer.body}"
    assert answer.content_type == "application/problem+json", f"{what}: {answer.content_type} {answer.body}"
    assert answer.body["status"] == answer.status and answer.body["code"], what


@pytest.mark.parametrize("aws", ["moto"], indirect=True)  # the storage plays no part: one backend
@pytest.mark.parametrize(("method", "path", "has_body"), OPERATIONS, ids=[f"{m} {p}" for m, p, _ in OPERATIONS])
def test_every_route_answers_an_odd_content_type_with_a_4xx_problem_and_takes_json(
    admin_api: Api, api: Api, method: str, path: str, has_body: bool
) -> None:
    """Operations with a body and those without alike: a Content-Type says what a body is, and a route
    that takes none takes no foreign one either."""
    client = admin_api if path.startswith("/v1/admin/") else api
    if path in PUBLIC:
        client = Api(api.gateway.template)
    if path == "/v1/me" or path.startswith("/v1/me/"):  # a member token's routes (a key there is 403)
        assert api.post("/v1/members", {"member_id": "x-1", "email": "x-1@example.com"}).status == 201
        client = Api(api.gateway.template, api.post("/v1/members/x-1/tokens", {}).body["token"])
    for what, (content_type, body) in ODD_TYPES.items():
        sent = f"{method} {path} with {what}"
        answer = client.call(method, concrete(path), raw=body, headers={"Content-Type": content_type})
        if what in TAKES.get(path, set()):
            assert answer.status < 500, f"{sent}: {answer.status} {answer.body}"
            continue
        assert_problem(answer, sent)
        assert answer.status == 415, f"{sent}: {answer.status} {answer.body}"
        assert answer.body["code"] == "validation_error", sent
        assert answer.body["errors"] == [{"loc": ["header", "content-type"], "msg": answer.body["detail"]}]
    # JSON in any spelling RFC 9110 allows is still JSON: never refused for its spelling.
    for content_type in JSON_SPELLINGS:
        answer = client.call(method, concrete(path), raw=b"{}", headers={"Content-Type": content_type})
        assert answer.status != 415 and answer.status < 500, f"{method} {path} {content_type}: {answer.body}"


def _member_with_opt_in(api: Api, member_id: str) -> None:
    body = {"member_id": member_id, "email": f"{member_id}@example.com", "marketing_opt_in": True}
    assert api.post("/v1/members", body).status == 201


@pytest.mark.parametrize("aws", ["moto"], indirect=True)
@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/x-www-form-urlencoded", b"List-Unsubscribe=One-Click"),
        ("application/x-www-form-urlencoded; charset=UTF-8", b"List-Unsubscribe=One-Click"),
        (
            "multipart/form-data; boundary=----1f2e3d",
            b'------1f2e3d\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\n'
            b"One-Click\r\n------1f2e3d--\r\n",
        ),
        (None, b""),
    ],
    ids=["form-urlencoded", "form-urlencoded with charset", "multipart/form-data", "no body"],
)
def test_the_one_click_unsubscribe_takes_the_bodies_of_rfc_8058(
    api: Api, content_type: str | None, body: bytes
) -> None:
    _member_with_opt_in(api, "m-mail")
    headers = {} if content_type is None else {"Content-Type": content_type}
    answer = Api(api.gateway.template).post(
        f"/v1/unsubscribe/{unsubscribe.token_for('m-mail')}", raw=body, headers=headers
    )
    assert (answer.status, answer.body) == (200, {"status": "unsubscribed"})
    assert api.get("/v1/members/m-mail").body["marketing_opt_in"] is False


@pytest.mark.parametrize("aws", ["moto"], indirect=True)
def test_the_one_click_unsubscribe_refuses_what_no_mail_app_sends(api: Api) -> None:
    _member_with_opt_in(api, "m-mail")
    path = f"/v1/unsubscribe/{unsubscribe.token_for('m-mail')}"
    public = Api(api.gateway.template)
    for content_type in ("text/plain", "multipart/form-data", "application/xml"):
        answer = public.post(path, raw=b"List-Unsubscribe=One-Click", headers={"Content-Type": content_type})
        assert (answer.status, answer.body["code"]) == (415, "validation_error"), content_type
    assert api.get("/v1/members/m-mail").body["marketing_opt_in"] is True  # nothing was changed


def test_the_document_declares_the_415_and_the_unsubscribe_forms() -> None:
    for path, operations in DOCUMENT["paths"].items():
        for method, operation in operations.items():
            answer: dict[str, Any] = operation["responses"].get("415", {})
            assert "application/problem+json" in answer.get("content", {}), f"{method} {path}"
    body = DOCUMENT["paths"]["/v1/unsubscribe/{token}"]["post"]["requestBody"]["content"]
    assert {"application/x-www-form-urlencoded", "multipart/form-data"} <= set(body)


@pytest.mark.parametrize(
    ("value", "essence", "parameters"),
    [
        ("application/json", "application/json", {}),
        ('Application/JSON ; Charset="UTF-8"', "application/json", {"charset": "UTF-8"}),
        ("application/json;", "application/json", {}),
        ('multipart/form-data; boundary="a b\\"c"', "multipart/form-data", {"boundary": 'a b"c'}),
        ("application/json; charset=", None, None),
        ("application/json; charset", None, None),
        ("application/json, text/plain", None, None),
        ("application", None, None),
        ("", None, None),
        ("application/json; charset=utf-8 utf-16", None, None),
        ('text/plain; charset="unterminated', None, None),
    ],
)
def test_content_type_values_are_read_by_rfc_9110s_grammar(
    value: str, essence: str | None, parameters: dict[str, str] | None
) -> None:
    parsed = media_types.parse(value)
    if essence is None:
        assert parsed is None, value
    else:
        assert parsed is not None and (parsed.essence, parsed.parameters) == (essence, parameters)
