"""End to end: `python -m local.stack` as `make run` starts it, then `local.invoke`, then SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from local.apigw import Request, http_event
from local.backend import free_port
from local.template import ROOT, Route
from tests.fakes import write_project

ADMIN_KEY = "lk_local-e2e-admin-key"
REAL_FUNCTIONS = ("health", "authorizer", "admin")


@dataclass
class Stack:
    process: subprocess.Popen[str]
    api: str
    state_file: Path
    env: dict[str, str]

    def get(self, path: str, key: str | None = None) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        request = urllib.request.Request(self.api + path, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    def stop(self) -> tuple[int, str, str]:
        """SIGTERM, then the exit code and output; the stack must be gone within a few seconds."""
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        out, err = self.process.communicate(timeout=10)
        assert time.monotonic() - started < 5, "the stack took too long to stop"
        return self.process.returncode, out, err


def _start(tmp_path: Path, backend: str, **extra: str) -> Stack:
    port = free_port()
    state_file = tmp_path / "state" / "stack.json"
    env = {
        **os.environ,
        "PORT": str(port),
        "BACKEND": backend,
        "LOYALTY_ADMIN_KEY": ADMIN_KEY,
        "LOCAL_STACK_FILE": str(state_file),
        "PYTHONUNBUFFERED": "1",
        **extra,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "local.stack"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    stack = Stack(process, f"http://127.0.0.1:{port}", state_file, env)
    deadline = time.monotonic() + 40
    while True:
        if process.poll() is not None:
            out, err = process.communicate()
            pytest.fail(f"the stack exited with {process.returncode}:\n{out}\n{err}")
        try:
            if stack.get("/v1/health")[0] == 200:
                return stack
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail("the stack did not answer GET /v1/health in time:\n" + "\n".join(process.communicate()))
        time.sleep(0.2)


@pytest.fixture
def stacks() -> Iterator[list[Stack]]:
    started: list[Stack] = []
    yield started
    for stack in started:
        if stack.process.poll() is None:
            stack.process.kill()
            stack.process.communicate()


def _invoke(stack: Stack, function: str, event: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "local.invoke", function, "-"],
        cwd=ROOT,
        env=stack.env,
        input=json.dumps(event),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


@pytest.mark.skipif(
    not all((ROOT / "functions" / name / "app.py").is_file() for name in REAL_FUNCTIONS),
    reason="the real health, authorizer and admin functions are not written yet",
)
@pytest.mark.parametrize("backend", ["moto", "dynamodb-local"])
def test_real_stack_serves_the_api_with_the_admin_key(tmp_path: Path, backend: str, stacks: list[Stack]) -> None:
    stack = _start(tmp_path, backend)
    stacks.append(stack)
    status, body = stack.get("/v1/admin/program", ADMIN_KEY)
    # A fresh stack has no program yet: the key was accepted (not 401/403) and the handler answered.
    assert status in (200, 409), body
    assert status == 200 or body["code"] == "program_not_configured"
    assert stack.get("/v1/admin/program")[0] == 401
    state = json.loads(stack.state_file.read_text())
    assert state["backend"] == backend
    assert ("AWS_ENDPOINT_URL_DYNAMODB" in state["endpoints"]) == (backend == "dynamodb-local")

    health = http_event(Route("GET", "/v1/health", "HealthFunction", True), {}, Request("GET", "/v1/health"), "local")
    invoked = _invoke(stack, "HealthFunction", health)
    assert invoked.returncode == 0, invoked.stderr
    assert json.loads(json.loads(invoked.stdout)["body"]) == {"status": "ok"}

    code, out, err = stack.stop()
    assert code == 0, err
    assert f"{stack.api}/docs" in out
    assert ADMIN_KEY not in out  # a chosen key is not echoed
    assert "@" not in out + err  # no email reaches the console (the SES sender identity is one)
    assert not stack.state_file.exists()


def test_fake_stack_bootstraps_the_key_runs_pollers_and_stops(tmp_path: Path, stacks: list[Stack]) -> None:
    template = write_project(tmp_path / "project")
    key_file = tmp_path / "key.txt"
    stack = _start(tmp_path, "moto", LOCAL_TEMPLATE=str(template.root / "template.yaml"), FAKE_KEY_FILE=str(key_file))
    stacks.append(stack)
    assert key_file.read_text() == f"{ADMIN_KEY} admin local admin"
    assert stack.get("/v1/echo/x", "good")[1]["table"] == "Table"
    assert stack.get("/v1/echo/x", "bad")[0] == 403

    state = json.loads(stack.state_file.read_text())
    sqs = boto3.client("sqs", **_client_args(state))  # type: ignore[call-overload]
    queue = state["physical"]["Queue"]
    sqs.send_message(QueueUrl=queue, MessageBody="good")
    deadline = time.monotonic() + 10
    while _in_queue(sqs, queue):  # the poller hands it to the consumer, which succeeds: deleted
        assert time.monotonic() < deadline, "the poller did not consume the message"
        time.sleep(0.2)

    code, out, err = stack.stop()
    assert code == 0, err
    assert "sender@example.com" not in out + err


def test_generated_admin_key_is_printed(tmp_path: Path, stacks: list[Stack]) -> None:
    template = write_project(tmp_path / "project")
    key_file = tmp_path / "key.txt"
    stack = _start(
        tmp_path,
        "moto",
        LOCAL_TEMPLATE=str(template.root / "template.yaml"),
        FAKE_KEY_FILE=str(key_file),
        LOYALTY_ADMIN_KEY="",
    )
    stacks.append(stack)
    generated = key_file.read_text().split()[0]
    assert generated.startswith("lk_") and len(generated) >= 40
    code, out, _ = stack.stop()
    assert code == 0
    assert generated in out


def test_invoke_without_a_running_stack_says_so(tmp_path: Path) -> None:
    env = {**os.environ, "LOCAL_STACK_FILE": str(tmp_path / "none.json")}
    result = subprocess.run(
        [sys.executable, "-m", "local.invoke", "HealthFunction", "-"],
        cwd=ROOT,
        env=env,
        input="{}",
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
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
