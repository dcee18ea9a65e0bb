"""Member tokens, made and checked without any I/O: what verification accepts and everything it refuses."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import pytest
from joserfc import jwt as joserfc
from joserfc.jwk import OctKey

from loyalty.domain import member_tokens as tokens
from loyalty.domain.member_tokens import Claims

KEY = b"k" * 64
KEYS = {"v1": KEY}
NOW = 1_800_000_000
CLAIMS = Claims("m-1", frozenset({"read", "redeem"}), NOW, NOW + 3600, "t-1", "key_0123")


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def forged(header: dict[str, Any], payload: dict[str, Any], key: bytes = KEY) -> str:
    """A token built by hand, as an attacker (or another JWT library) would."""
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}"
    return f"{signing_input}.{b64(hmac.new(key, signing_input.encode(), hashlib.sha256).digest())}"


def payload(**changes: Any) -> dict[str, Any]:
    claims = {"iss": "loyalty", "aud": "loyalty:me", "sub": "m-1", "scope": "read", "iat": NOW, "exp": NOW + 60}
    return {**claims, "jti": "t-9", **changes}


def test_a_token_says_whose_points_it_opens_what_it_may_do_and_until_when() -> None:
    token = tokens.encode(CLAIMS, "v1", KEY)
    assert tokens.looks_like_token(token)
    assert tokens.decode(token, KEYS, NOW) == CLAIMS
    assert tokens.decode(token, KEYS, NOW + 3599) == CLAIMS


def test_an_expired_token_is_told_apart_from_a_bad_one() -> None:
    token = tokens.encode(CLAIMS, "v1", KEY)
    assert tokens.decode(token, KEYS, NOW + 3600) == "expired"
    assert tokens.decode(token[:-1] + ("A" if token[-1] != "A" else "B"), KEYS, NOW + 3600) == "invalid"


@pytest.mark.parametrize("position", [0, 10, 40, -30, -1, -2])
def test_any_changed_character_is_refused(position: int) -> None:
    token = tokens.encode(CLAIMS, "v1", KEY)
    index = position % len(token)
    if token[index] == ".":
        index += 1
    replacement = "A" if token[index] != "A" else "B"
    changed = token[:index] + replacement + token[index + 1 :]
    assert tokens.decode(changed, KEYS, NOW) in ("invalid", "unknown_key")


def test_another_members_claims_under_the_same_header_are_refused() -> None:
    header, _, signature = tokens.encode(CLAIMS, "v1", KEY).split(".")
    other = b64(json.dumps(payload(sub="m-2", scope="read redeem")).encode())
    assert tokens.decode(f"{header}.{other}.{signature}", KEYS, NOW) == "invalid"


def test_a_key_it_does_not_know_is_said_so_and_a_foreign_key_fails() -> None:
    foreign = tokens.encode(CLAIMS, "v1", b"another deployment's key")
    assert tokens.decode(foreign, KEYS, NOW) == "invalid"
    rotated = tokens.encode(CLAIMS, "v2", KEY)
    assert tokens.decode(rotated, KEYS, NOW) == "unknown_key"
    assert tokens.decode(rotated, {**KEYS, "v2": KEY}, NOW) == CLAIMS


@pytest.mark.parametrize(
    "header",
    [
        {"alg": "none", "typ": "JWT", "kid": "v1"},
        {"alg": "HS512", "typ": "JWT", "kid": "v1"},
        {"alg": "RS256", "typ": "JWT", "kid": "v1"},
        {"alg": "HS256", "typ": "JWT"},
        {"alg": "HS256", "typ": "JWT", "kid": "v1", "jku": "https://attacker.example/keys"},
        {"alg": "HS256", "typ": "at+jwt", "kid": "v1"},
    ],
)
def test_only_the_header_this_platform_writes_is_taken(header: dict[str, Any]) -> None:
    assert tokens.decode(forged(header, payload()), KEYS, NOW) == "invalid"


@pytest.mark.parametrize(
    "changes",
    [
        {"aud": "someone-else"},
        {"iss": "another-issuer"},
        {"scope": "read admin"},
        {"scope": ""},
        {"sub": ""},
        {"exp": "tomorrow"},
        {"exp": True},
        {"key": 7},
    ],
)
def test_claims_this_platform_does_not_write_are_refused_even_when_signed(changes: dict[str, Any]) -> None:
    header = {"alg": "HS256", "typ": "JWT", "kid": "v1"}
    assert tokens.decode(forged(header, payload(**changes)), KEYS, NOW) == "invalid"
    assert tokens.decode(forged(header, payload()), KEYS, NOW) != "invalid"  # the same token, unchanged, passes


def test_a_second_encoding_of_the_same_signature_is_refused() -> None:
    """32 bytes are 43 base64url characters whose last one carries 2 spare bits: a decoder that compares
    bytes would take 4 spellings of one signature."""
    token = tokens.encode(CLAIMS, "v1", KEY)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(token[-1])
    twin = token[:-1] + alphabet[last ^ 1]  # the same 4 bits of data, another spare bit
    assert base64.urlsafe_b64decode(twin.rsplit(".", 1)[1] + "=") == base64.urlsafe_b64decode(
        token.rsplit(".", 1)[1] + "="
    )
    assert tokens.decode(twin, KEYS, NOW) == "invalid"


def test_an_api_key_never_looks_like_a_token() -> None:
    assert not tokens.looks_like_token("lk_" + "a" * 43)
    assert not tokens.looks_like_token("local-admin-key")
    assert not tokens.looks_like_token(tokens.encode(CLAIMS, "v1", KEY) + "." + "x" * 3000)


def test_any_jwt_library_reads_it() -> None:
    token = tokens.encode(CLAIMS, "v1", KEY)
    read = joserfc.decode(token, OctKey.import_key(KEY), algorithms=["HS256"])
    assert read.header["kid"] == "v1" and read.claims["sub"] == "m-1" and read.claims["exp"] == NOW + 3600
    made = joserfc.encode({"alg": "HS256", "kid": "v1"}, payload(scope="redeem read"), OctKey.import_key(KEY))
    assert tokens.decode(made, KEYS, NOW) == Claims("m-1", frozenset({"read", "redeem"}), NOW, NOW + 60, "t-9")
