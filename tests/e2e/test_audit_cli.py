"""`make audit` (python -m local.audit) against a real `python -m local.stack`: clean, then corrupted."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3

from harness.commands import run
from harness.programs import program_document
from harness.stack import LocalStack


def _audit(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return run([sys.executable, "-m", "local.audit"], env=env, timeout=60)


def test_make_audit_reports_the_running_stack(stack: LocalStack) -> None:
    assert stack.call("PUT", "/v1/admin/program", program_document())[0] == 200
    assert stack.call("POST", "/v1/members", {"member_id": "m-1", "email": "ada@example.com"})[0] == 201
    order = {
        "order_id": "o-1",
        "member_id": "m-1",
        "currency": "USD",
        # The stack runs on the wall clock, which refuses orders placed beyond max_order_age_days.
        "placed_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        "lines": [{"sku": "A", "category": "shoes", "quantity": 1, "unit_price_minor": 12_300}],
    }
    assert stack.call("POST", "/v1/orders", order)[0] == 201

    clean = _audit(stack.env)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "1 members" in clean.stdout and clean.stdout.rstrip().endswith("clean")

    # Points out of thin air: the member's balance moves, its ledger and lots do not.
    state = json.loads(stack.state_file.read_text())
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
    corrupted = _audit(stack.env)
    assert corrupted.returncode == 1, corrupted.stdout + corrupted.stderr
    assert "member m-1" in corrupted.stdout and "[ledger]" in corrupted.stdout
    assert "@" not in corrupted.stdout


def test_make_audit_without_a_stack_says_so(tmp_path: Path) -> None:
    result = _audit({**os.environ, "LOCAL_STACK_FILE": str(tmp_path / "none.json")})
    assert result.returncode == 2
    assert "not running" in result.stderr
