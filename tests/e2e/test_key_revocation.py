"""Keys as deployed: a revocation holds in every process within 5 seconds, and a header that is not a
well-formed key costs no DynamoDB read.

There is no authorizer: each route's function checks the key itself, with its own warm cache. The first
test runs two separate OS processes (tests/e2e/key_process.py), each with its own warm route functions,
against one table on a moto server (and on DynamoDB Local): the local stack runs every function in one
process, where the admin function's DELETE also empties the cache every other function reads, so only
separate processes show what separate Lambda execution environments do.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from typing import IO, Any

import boto3
import pytest
from pydantic import ValidationError

from harness.api import Api
from harness.counting import DynamoCalls
from local import resources
from local import template as template_loader
from local.backend import DynamoDBLocal, MotoServer, local_aws_env
from local.template import ROOT
from loyalty import settings
from loyalty.models.api_key import KEY_FORMAT

REVOCATION_BOUND_SECONDS = 5.0  # shared/API.md: "refused by every function within 5 seconds of the DELETE"
PAST_THE_GATE = 409  # program_not_configured: what GET /v1/rewards answers a valid key on an empty table


class Worker:
    """A separate Python process serving the API through the real route functions (see key_process.py)."""

    def __init__(self, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.e2e.key_process"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def ask(self, **command: Any) -> dict[str, Any]:
        stdin: IO[str] | None = self.process.stdin
        stdout: IO[str] | None = self.process.stdout
        assert stdin is not None and stdout is not None
        stdin.write(json.dumps(command) + "\n")
        stdin.flush()
        line = stdout.readline()
        assert line, f"worker exited with {self.process.wait(10)}"
        answer: dict[str, Any] = json.loads(line)
        return answer

    def call(self, method: str, path: str, key: str, body: Any = None) -> dict[str, Any]:
        return self.ask(op="call", method=method, path=path, key=key, body=body)

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)


@pytest.fixture(params=["moto", pytest.param("dynamodb-local", marks=pytest.mark.engine)])
def stack_env(
    request: pytest.FixtureRequest, template: template_loader.Template, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, str]]:
    """A moto server (and DynamoDB Local for the table) with the template's resources; the environment a
    function process of the stack gets (the template's own AUTH_CACHE_SECONDS included)."""
    with MotoServer() as moto:
        dynamodb = None
        if request.param == "dynamodb-local":
            engine: DynamoDBLocal = request.getfixturevalue("dynamodb_local")
            dynamodb = engine.endpoint
        endpoints = local_aws_env(moto.endpoint, dynamodb)
        for name, value in endpoints.items():
            monkeypatch.setenv(name, value)
        created = resources.create_resources(
            template, boto3.Session(), names={"LoyaltyTable": f"keys-{uuid.uuid4().hex[:12]}"}
        )
        # The template's own function environment, AUTH_CACHE_SECONDS included: what a deployed process gets.
        env = {**os.environ, **endpoints, **resources.function_environment(template, created)}
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "layers" / "core"), str(ROOT)])
        yield env


def test_a_key_revoked_through_one_process_is_refused_by_another_within_5_seconds(
    stack_env: dict[str, str],
) -> None:
    admin_side, shop_side = Worker(stack_env), Worker(stack_env)
    try:
        admin_key = admin_side.ask(op="admin_key")["key"]
        created = admin_side.call("POST", "/v1/admin/keys", admin_key, {"scope": "storefront", "label": "till 4"})
        assert created["status"] == 201, created
        key, key_id = created["body"]["key"], created["body"]["key_id"]
        # The shop's process uses the key: its function has now read it and holds it warm. (No program
        # is configured, so the route answers 409 program_not_configured: past the key check.)
        assert shop_side.call("GET", "/v1/rewards", key)["status"] == PAST_THE_GATE
        assert shop_side.call("GET", "/v1/rewards", key)["status"] == PAST_THE_GATE

        assert admin_side.call("DELETE", f"/v1/admin/keys/{key_id}", admin_key)["status"] == 204
        revoked_at = time.monotonic()
        assert admin_side.call("GET", "/v1/rewards", key)["status"] == 401  # the revoking process at once

        while True:
            answer = shop_side.call("GET", "/v1/rewards", key)
            waited = time.monotonic() - revoked_at
            if answer["status"] != PAST_THE_GATE or waited > REVOCATION_BOUND_SECONDS + 3:
                break
            time.sleep(0.1)
        assert answer["status"] == 401, f"the other process still took the revoked key {waited:.1f} s later"
        assert answer["content_type"] == "application/problem+json" and answer["body"]["code"] == "unauthorized"
        assert waited <= REVOCATION_BOUND_SECONDS, f"refused only {waited:.1f} s after the DELETE"
        # The admin key, never revoked, still works in both processes.
        assert shop_side.call("GET", "/v1/admin/program", admin_key)["status"] == PAST_THE_GATE
    finally:
        admin_side.close()
        shop_side.close()


def _issued_shape(key: str) -> str:
    assert KEY_FORMAT.fullmatch(key), key
    return key


def malformed_headers(valid: str) -> dict[str, str | None]:
    """Authorization values that cannot carry a key this platform issued (lk_ + 43 base64url characters)."""
    body = valid.removeprefix("lk_")
    return {
        "no header": None,
        "an empty header": "",
        "another scheme": "Basic YWRtaW46c2VjcmV0",
        "Bearer alone": "Bearer",
        "Bearer and blanks": "Bearer    ",
        "the key without the scheme": valid,
        "another prefix": f"Bearer sk_{body}",
        "no prefix": f"Bearer {body}",
        "one character short": f"Bearer {valid[:-1]}",
        "one character more": f"Bearer {valid}A",
        "a padded base64 key": f"Bearer {valid[:-1]}=",
        "standard base64 characters": f"Bearer lk_{body[:-2]}+/",
        "a space inside": f"Bearer lk_{body[:20]} {body[21:]}",
        "two keys": f"Bearer {valid} {valid}",
        "non-ASCII": f"Bearer lk_{body[:-1]}é",
        "a JWT": "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
        "8 KB of key": "Bearer lk_" + "A" * 8192,
    }


@pytest.mark.parametrize("aws", ["moto"], indirect=True)
def test_a_request_without_a_well_formed_key_costs_no_dynamodb_read(admin_api: Api, api: Api) -> None:
    valid = _issued_shape(str(api.key))
    anonymous = Api(api.gateway.template)
    for what, header in malformed_headers(valid).items():
        headers = {} if header is None else {"Authorization": header}
        with DynamoCalls() as calls:
            for method, path in (("GET", "/v1/rewards"), ("POST", "/v1/orders"), ("GET", "/v1/admin/program")):
                answer = anonymous.call(method, path, {} if method == "POST" else None, headers=headers)
                assert answer.status == 401 and answer.body["code"] == "unauthorized", (what, answer.body)
        assert calls.operations == [], f"{what}: {calls.operations}"
    # A member token on a key's route is refused by its shape (403), unverified and with nothing read.
    token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0." + "s" * 43
    with DynamoCalls() as calls:
        answer = anonymous.get("/v1/rewards", headers={"Authorization": f"Bearer {token}"})
    assert (answer.status, answer.body["code"], calls.operations) == (403, "forbidden", [])


@pytest.mark.parametrize("aws", ["moto"], indirect=True)
def test_a_well_formed_key_costs_one_read_per_cache_window(admin_api: Api, api: Api) -> None:
    """What the docs state: a well-formed key that is unknown costs one GetItem, then none while cached;
    a known key the same."""
    anonymous = Api(api.gateway.template)
    unknown = "lk_" + "Q" * 43
    with DynamoCalls() as calls:
        for _ in range(5):
            assert anonymous.get("/v1/rewards", key=unknown).status == 401
    assert calls.operations == ["GetItem"]
    fresh = admin_api.post("/v1/admin/keys", {"scope": "storefront", "label": "fresh"}).body["key"]
    with DynamoCalls() as calls:
        for _ in range(5):
            assert anonymous.get("/v1/admin/program", key=fresh).status == 403
    assert calls.operations == ["GetItem"]


def test_no_deployment_can_trust_a_key_lookup_for_more_than_4_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bound behind the 5 seconds is a setting: a template that asked for more would not start."""
    monkeypatch.setenv("AUTH_CACHE_SECONDS", "60")
    settings.reset()
    try:
        with pytest.raises(ValidationError, match="auth_cache_seconds"):
            settings.settings()
    finally:
        monkeypatch.undo()
        settings.reset()
