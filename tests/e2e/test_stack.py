"""End to end: `python -m local.stack` as `make run` starts it, then `local.invoke`, then SIGTERM."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from harness.commands import run
from harness.stack import LocalStack
from local.apigw import Request, http_event
from local.template import ROOT, Route
from tests.e2e.conftest import ADMIN_KEY, start_stack, stop_promptly
from tests.fakes import write_project

REAL_FUNCTIONS = ("health", "admin")


@pytest.fixture
def stacks() -> Iterator[list[LocalStack]]:
    started: list[LocalStack] = []
    yield started
    for stack in started:
        stack.stop()


def _invoke(stack: LocalStack, function: str, event: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    return run(
        [sys.executable, "-m", "local.invoke", function, "-"], env=stack.env, input_text=json.dumps(event), timeout=30
    )


@pytest.mark.skipif(
    not all((ROOT / "functions" / name / "app.py").is_file() for name in REAL_FUNCTIONS),
    reason="the real health and admin functions are not written yet",
)
@pytest.mark.parametrize("backend", ["moto", "dynamodb-local"])
def test_real_stack_serves_the_api_with_the_admin_key(tmp_path: Path, backend: str, stacks: list[LocalStack]) -> None:
    stack = start_stack(tmp_path, backend)
    stacks.append(stack)
    status, body = stack.call("GET", "/v1/admin/program")
    # A fresh stack has no program yet: the key was accepted (not 401/403) and the handler answered.
    assert status in (200, 409), body
    assert status == 200 or body["code"] == "program_not_configured"
    assert stack.call("GET", "/v1/admin/program", key=None)[0] == 401
    state = json.loads(stack.state_file.read_text())
    assert state["backend"] == backend
    assert ("AWS_ENDPOINT_URL_DYNAMODB" in state["endpoints"]) == (backend == "dynamodb-local")

    health = http_event(Route("GET", "/v1/health", "HealthFunction", True), {}, Request("GET", "/v1/health"), "local")
    invoked = _invoke(stack, "HealthFunction", health)
    assert invoked.returncode == 0, invoked.stderr
    assert json.loads(json.loads(invoked.stdout)["body"]) == {"status": "ok"}
    # `make invoke` is another process, and the function checks the key itself: it takes the stack's chosen
    # admin key (not of an issued key's shape) because the stack told it the key's digest, and no other.
    for key, status in ((ADMIN_KEY, 409), ("local-admin-key", 401)):
        request = Request("GET", "/v1/admin/program", headers=[("Authorization", f"Bearer {key}")])
        event = http_event(Route("GET", "/v1/admin/program", "AdminFunction", True), {}, request, "local")
        invoked = _invoke(stack, "AdminFunction", event)
        assert invoked.returncode == 0, invoked.stderr
        printed = invoked.stdout  # the function's log lines (one JSON each), then its result (indented)
        assert json.loads(printed[printed.index("{\n") :])["statusCode"] == status, printed

    code, out, err = stop_promptly(stack)
    assert code == 0, err
    assert f"{stack.api}/docs" in out
    assert ADMIN_KEY not in out  # a chosen key is not echoed
    assert "@" not in out + err  # no email reaches the console (the SES sender identity is one)
    assert not stack.state_file.exists()


def test_fake_stack_bootstraps_the_key_runs_pollers_and_stops(tmp_path: Path, stacks: list[LocalStack]) -> None:
    template = write_project(tmp_path / "project")
    key_file = tmp_path / "key.txt"
    stack = start_stack(
        tmp_path, "moto", LOCAL_TEMPLATE=str(template.root / "template.yaml"), FAKE_KEY_FILE=str(key_file)
    )
    stacks.append(stack)
    admin, demo = key_file.read_text().splitlines()
    assert admin == f"{ADMIN_KEY} admin local admin"
    # The widget's demo shop gets a storefront key of its own, new at every start (local/widget.py).
    assert demo.startswith("lk_") and demo.endswith(" storefront local widget demo shop")
    assert stack.call("GET", "/v1/echo/x", key="good")[1]["table"] == "Table"
    assert stack.call("GET", "/v1/echo/x", key="bad")[0] == 403

    state = json.loads(stack.state_file.read_text())
    sqs = boto3.client("sqs", **_client_args(state))  # type: ignore[call-overload]
    queue = state["physical"]["Queue"]
    sqs.send_message(QueueUrl=queue, MessageBody="good")
    deadline = time.monotonic() + 10
    while _in_queue(sqs, queue):  # the poller hands it to the consumer, which succeeds: deleted
        assert time.monotonic() < deadline, "the poller did not consume the message"
        time.sleep(0.2)

    code, out, err = stop_promptly(stack)
    assert code == 0, err
    assert "sender@example.com" not in out + err


def test_generated_admin_key_is_printed(tmp_path: Path, stacks: list[LocalStack]) -> None:
    template = write_project(tmp_path / "project")
    key_file = tmp_path / "key.txt"
    stack = start_stack(
        tmp_path,
        LOCAL_TEMPLATE=str(template.root / "template.yaml"),
        FAKE_KEY_FILE=str(key_file),
        LOYALTY_ADMIN_KEY="",
    )
    stacks.append(stack)
    admin, demo = (line.split()[0] for line in key_file.read_text().splitlines())
    assert admin.startswith("lk_") and len(admin) >= 40
    code, out, _ = stop_promptly(stack)
    assert code == 0
    assert admin in out
    assert demo not in out  # the demo shop's storefront key is never shown


def test_invoke_without_a_running_stack_says_so(tmp_path: Path) -> None:
    env = {**os.environ, "LOCAL_STACK_FILE": str(tmp_path / "none.json")}
    result = run([sys.executable, "-m", "local.invoke", "HealthFunction", "-"], env=env, input_text="{}", timeout=30)
    assert result.returncode == 1
    assert "not running" in result.stderr


def _client_args(state: dict[str, Any]) -> dict[str, str]:
    env = state["env"]
    return {
        "endpoint_url": env["AWS_ENDPOINT_URL"],
        "region_name": env["AWS_DEFAULT_REGION"],
        "aws_access_key_id": env["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": env["AWS_SECRET_ACCESS_KEY"],
    }


def _in_queue(sqs: Any, url: str) -> int:
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    return sum(int(attributes[name]) for name in names)
