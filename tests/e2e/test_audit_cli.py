"""`make audit` (python -m local.audit) against a real `python -m local.stack`: clean, then corrupted."""

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
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest

from harness.programs import program_document
from local.backend import free_port
from local.template import ROOT

ADMIN_KEY = "lk_local-audit-admin-key"


def _request(api: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Authorization": f"Bearer {ADMIN_KEY}", "Content-Type": "application/json"}
    request = urllib.request.Request(api + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[dict[str, Any]]:
    port = free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "BACKEND": "moto",
        "LOYALTY_ADMIN_KEY": ADMIN_KEY,
        "LOCAL_STACK_FILE": str(tmp_path / "stack.json"),
        "PYTHONUNBUFFERED": "1",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "local.stack"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    api = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 40
        while True:
            assert process.poll() is None, process.communicate()
            try:
                if _request(api, "GET", "/v1/health")[0] == 200:
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            assert time.monotonic() < deadline, "the stack did not start"
            time.sleep(0.2)
        yield {"api": api, "env": env, "state": json.loads((tmp_path / "stack.json").read_text())}
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


def _audit(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "local.audit"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_make_audit_reports_the_running_stack(stack: dict[str, Any]) -> None:
    api = stack["api"]
    assert _request(api, "PUT", "/v1/admin/program", program_document())[0] == 200
    assert _request(api, "POST", "/v1/members", {"member_id": "m-1", "email": "ada@example.com"})[0] == 201
    order = {
        "order_id": "o-1",
        "member_id": "m-1",
        "currency": "USD",
        # The stack runs on the wall clock, which refuses orders placed beyond max_order_age_days.
        "placed_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        "lines": [{"sku": "A", "category": "shoes", "quantity": 1, "unit_price_minor": 12_300}],
    }
    assert _request(api, "POST", "/v1/orders", order)[0] == 201

    clean = _audit(stack["env"])
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "1 members" in clean.stdout and clean.stdout.rstrip().endswith("clean")

    # Points out of thin air: the member's balance moves, its ledger and lots do not.
    state = stack["state"]
    client = boto3.client(
        "dynamodb",
        endpoint_url=state["env"].get("AWS_ENDPOINT_URL_DYNAMODB") or state["env"]["AWS_ENDPOINT_URL"],
        region_name=state["env"]["AWS_DEFAULT_REGION"],
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    client.update_item(
        TableName=state["env"]["TABLE_NAME"],
        Key={"PK": {"S": "MEMBER#m-1"}, "SK": {"S": "PROFILE"}},
        UpdateExpression="ADD available :n",
        ExpressionAttributeValues={":n": {"N": "1000"}},
    )
    corrupted = _audit(stack["env"])
    assert corrupted.returncode == 1, corrupted.stdout + corrupted.stderr
    assert "member m-1" in corrupted.stdout and "[ledger]" in corrupted.stdout
    assert "@" not in corrupted.stdout


def test_make_audit_without_a_stack_says_so(tmp_path: Path) -> None:
    result = _audit({**os.environ, "LOCAL_STACK_FILE": str(tmp_path / "none.json")})
    assert result.returncode == 2
    assert "not running" in result.stderr
