"""Email addresses: what the API takes, how it stores them, and that docs/openapi.json says the same.

The rule (loyalty.models.common.Email): ASCII (SES sends nothing else), a dot-atom local part of at most
64 characters, a domain of two labels or more whose last starts with a letter, 254 characters in all,
stored lower-cased. The document publishes the same pattern, so a client that validates against the
document (or a fuzzer generating from it) and the API never disagree.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from loyalty.models.member import EnrollRequest, MemberPatch
from loyalty.models.program import EmailSettings

DOCUMENT = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"

# (as sent, as stored)
VALID: list[tuple[str, str | None]] = [
    ("ada@example.com", "ada@example.com"),
    ("Ada.Lovelace@Example.COM", "ada.lovelace@example.com"),
    ("ada+loyalty@example.com", "ada+loyalty@example.com"),
    ("o'brien@example.ie", "o'brien@example.ie"),
    ("user!#$%&'*+/=?^_`{|}~-@example.com", "user!#$%&'*+/=?^_`{|}~-@example.com"),
    ("first.middle.last@mail.example.co.uk", "first.middle.last@mail.example.co.uk"),
    ("x@a.io", "x@a.io"),
    ("1234@123.example", "1234@123.example"),
    ("dash-ok@my-shop.example", "dash-ok@my-shop.example"),
    # Special-use domains (RFC 2606 / 6761): valid syntax, so valid here; email-validator refused *.test.
    ("member@shop.test", "member@shop.test"),
    ("member@example.invalid", "member@example.invalid"),
    ("member@printer.local", "member@printer.local"),
    # An internationalised domain in its ASCII (xn--) form, the only form SES sends to.
    ("kunde@xn--bcher-kva.de", "kunde@xn--bcher-kva.de"),
    ("shop@example.xn--p1ai", "shop@example.xn--p1ai"),
    # The longest parts: a 64-character local part, 63-character labels, 254 characters in all.
    ("a" * 64 + "@example.com", "a" * 64 + "@example.com"),
    ("x@" + "d" * 63 + ".com", "x@" + "d" * 63 + ".com"),
    ("a" * 64 + "@" + ".".join(["b" * 63, "c" * 63, "d" * 57]) + ".com", None),  # None: stored as sent
]

# (as sent, why it is refused)
INVALID = [
    ("", "empty"),
    ("not-an-email", "no @"),
    ("a@b", "single-label domain"),
    ("ada@localhost", "single-label domain"),
    ("@example.com", "empty local part"),
    ("ada@", "empty domain"),
    ("ada@@example.com", "two @"),
    ("ada@exa@mple.com", "two @"),
    (".ada@example.com", "leading dot"),
    ("ada.@example.com", "trailing dot"),
    ("a..da@example.com", "double dot"),
    ("ada lovelace@example.com", "space"),
    (" ada@example.com", "leading space"),
    ("ada@example.com ", "trailing space"),
    ("ada@example.com\n", "trailing newline"),
    ("ada@example.com\r\nBcc: victim@example.com", "header injection"),
    ('"ada lovelace"@example.com', "quoted local part"),
    ("ada(comment)@example.com", "comment"),
    ("ada@[192.0.2.1]", "address literal"),
    ("ada@192.0.2.1", "numeric top-level label"),
    ("ada@-example.com", "label starts with a hyphen"),
    ("ada@example-.com", "label ends with a hyphen"),
    ("ada@example..com", "empty label"),
    ("ada@.example.com", "empty first label"),
    ("ada@example.com.", "trailing dot in the domain"),
    ("ada@exa_mple.com", "underscore in the domain"),
    ("josé@example.com", "non-ASCII local part"),
    ("ada@bücher.de", "non-ASCII domain"),
    ("a" * 65 + "@example.com", "local part over 64"),
    ("x@" + "d" * 64 + ".com", "label over 63"),
    ("a" * 64 + "@" + ".".join(["b" * 63, "c" * 63, "d" * 58]) + ".com", "255 characters"),
]
ACCEPTED = [(address, stored or address) for address, stored in VALID]


def _enroll(address: str) -> EnrollRequest:
    return EnrollRequest.model_validate({"member_id": "m-1", "email": address})


def _document_schema(component: str, field: str) -> dict[str, Any]:
    document = json.loads(DOCUMENT.read_text(encoding="utf-8"))
    schema: dict[str, Any] = document["components"]["schemas"][component]["properties"][field]
    return schema


def test_the_table_reaches_the_limits_it_claims() -> None:
    assert len(ACCEPTED[-1][0]) == 254
    assert len(INVALID[-1][0]) == 255


@pytest.mark.parametrize(("address", "stored"), ACCEPTED)
def test_a_valid_address_is_accepted_and_stored_lower_cased(address: str, stored: str) -> None:
    assert _enroll(address).email == stored
    assert MemberPatch.model_validate({"email": address}).email == stored


@pytest.mark.parametrize(("address", "reason"), INVALID)
def test_an_invalid_address_is_refused(address: str, reason: str) -> None:
    with pytest.raises(ValidationError) as refused:
        _enroll(address)
    (error,) = refused.value.errors()
    assert error["loc"] == ("email",), reason
    if address:
        assert address not in error["msg"], "the message must not quote the address: it reaches the logs"


def test_the_program_sender_follows_the_same_rule() -> None:
    rules = {"expiring_notice_days": 14, "dormant_after_days": 90, "dormant_min_points": 0, "cooldown_days": 7}
    assert EmailSettings.model_validate({**rules, "sender": "Loyalty@Shop.TEST"}).sender == "loyalty@shop.test"
    with pytest.raises(ValidationError):
        EmailSettings.model_validate({**rules, "sender": "loyalty@localhost"})


@pytest.mark.parametrize(("component", "field"), [("EnrollRequest", "email"), ("EmailSettings", "sender")])
def test_the_openapi_document_accepts_exactly_what_the_api_accepts(component: str, field: str) -> None:
    """jsonschema_rs reads the pattern as ECMA-262, as the document's readers do (format checks on)."""
    schema = _document_schema(component, field)
    assert schema["format"] == "email"
    assert schema["maxLength"] == 254
    validator = jsonschema_rs.validator_for(schema, validate_formats=True)
    assert [address for address, _ in ACCEPTED if not validator.is_valid(address)] == []
    assert [address for address, _ in INVALID if validator.is_valid(address)] == []


@settings(max_examples=500, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.emails().filter(lambda address: len(address) <= 254))
def test_every_address_a_fuzzer_makes_for_format_email_is_accepted(address: str) -> None:
    """hypothesis' emails() is what schemathesis generates for "format: email": none may be refused."""
    assert _enroll(address).email == address.lower()


def test_a_hostile_address_is_refused_quickly() -> None:
    """No catastrophic backtracking: the worst inputs of the pattern's shape, at the length limit."""
    hostile = ["a" * 64 + "@" + "a-" * 94 + "!", "a." * 32 + "@example.com", "a@" + "a." * 125 + "-"]
    started = time.perf_counter()
    for address in hostile:
        with pytest.raises(ValidationError):
            _enroll(address[:254])
    assert time.perf_counter() - started < 0.5
