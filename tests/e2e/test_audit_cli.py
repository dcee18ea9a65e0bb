"""`make audit` (python -m local.audit) against a real `python -m local.stack`: clean, then corrupted."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3

from harness.commands import run
from harness.programs import program_document
from harness.stack import LocalStack


def _audit(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return run([sys.executable, "-m", "local.audit"], env=env, timeout=60)


def _a_member_with_an_order(stack: LocalStack) -> None:
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


def test_make_audit_reports_the_running_stack(stack: LocalStack) -> None:
    _a_member_with_an_order(stack)

    clean = _audit(stack.env)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "1 members" in clean.stdout and clean.stdout.rstrip().endswith("clean")

    # Points out of thin air: the member's balance moves, its ledger and lots do not.
    env = json.loads(stack.state_file.read_text())["env"]
    _table_client(env).update_item(
        TableName=env["TABLE_NAME"],
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


def _table_client(env: dict[str, str]) -> Any:
    """A DynamoDB client on the stack's table, from the stack file's environment."""
    return boto3.client(
        "dynamodb",
        endpoint_url=env.get("AWS_ENDPOINT_URL_DYNAMODB") or env["AWS_ENDPOINT_URL"],
        region_name=env["AWS_DEFAULT_REGION"],
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def _day_items(client: Any, table: str) -> list[dict[str, Any]]:
    """Every accounting day item (ACCT#00..15) as stored."""
    found: list[dict[str, Any]] = []
    for shard in range(16):
        values = {":pk": {"S": f"ACCT#{shard:02d}"}, ":day": {"S": "DAY#"}}
        condition = "PK = :pk AND begins_with(SK, :day)"
        answer = client.query(TableName=table, KeyConditionExpression=condition, ExpressionAttributeValues=values)
        found += answer["Items"]
    return found


def test_make_rebuild_books_puts_the_day_items_back_on_a_table_named(stack: LocalStack) -> None:
    """`python -m local.rebuild_books --table NAME`, as against a deployed table: only the table's name and
    the environment's AWS settings. The stack's stream poller keeps the books; they are deleted, put back
    from the ledger, and the audit finds them equal to the members' ledgers again."""
    _a_member_with_an_order(stack)
    assert _audit(stack.env).returncode == 0  # it waits for the books to take in the stream
    env = json.loads(stack.state_file.read_text())["env"]
    client = _table_client(env)
    days = _day_items(client, env["TABLE_NAME"])
    assert days
    for item in days:
        client.delete_item(TableName=env["TABLE_NAME"], Key={"PK": item["PK"], "SK": item["SK"]})
    assert _audit(stack.env).returncode == 1  # the books are gone: they no longer equal the ledgers

    deployed = {  # what an operator's shell holds: credentials, a region, an endpoint here; no stack file
        **{name: value for name, value in os.environ.items() if not name.startswith(("TABLE_", "LOCAL_"))},
        "LOCAL_STACK_FILE": str(stack.state_file.parent / "none.json"),
        "AWS_DEFAULT_REGION": env["AWS_DEFAULT_REGION"],
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_ENDPOINT_URL_DYNAMODB": env.get("AWS_ENDPOINT_URL_DYNAMODB") or env["AWS_ENDPOINT_URL"],
    }
    tomorrow = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    # Today's days too (--before the day after tomorrow), so the check that the stream has settled them
    # is skipped: nothing writes meanwhile.
    command = [sys.executable, "-m", "local.rebuild_books", "--table", env["TABLE_NAME"], "--before", tomorrow]
    rebuilt = run([*command, "--unchecked"], env=deployed, timeout=60)
    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
    assert f"{len(days)} day items put" in rebuilt.stdout
    again = _day_items(client, env["TABLE_NAME"])
    by_key = {(item["PK"]["S"], item["SK"]["S"]): item for item in days}
    assert {(item["PK"]["S"], item["SK"]["S"]): item for item in again} == by_key  # each item as it was
    assert _audit(stack.env).returncode == 0


def test_make_rebuild_impact_puts_the_aggregates_back_on_the_running_stack(stack: LocalStack) -> None:
    """`python -m local.rebuild_impact` on the running stack, with its checks: once the stack's publisher
    has taken the stream in (the audit waits for it), the aggregates are deleted, as on a table from
    before them, and put back as the stream kept them."""
    _a_member_with_an_order(stack)
    assert _audit(stack.env).returncode == 0
    env = json.loads(stack.state_file.read_text())["env"]
    client = _table_client(env)

    def impact_items() -> dict[tuple[str, str], dict[str, Any]]:
        found = client.scan(TableName=env["TABLE_NAME"])["Items"]  # a handful of items
        return {(i["PK"]["S"], i["SK"]["S"]): i for i in found if i["PK"]["S"].startswith(("IMPACT#AGG", "IMPACT#C#"))}

    kept = impact_items()
    assert ("IMPACT#AGG", "L") in kept and ("IMPACT#C#m-1", datetime.now(UTC).strftime("%Y-%m")) in kept
    for pk, sk in kept:
        client.delete_item(TableName=env["TABLE_NAME"], Key={"PK": {"S": pk}, "SK": {"S": sk}})
    rebuilt = run([sys.executable, "-m", "local.rebuild_impact"], env=stack.env, timeout=60)
    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
    assert f"{len(kept)} aggregates and customers' months put, 0 deleted" in rebuilt.stdout
    assert impact_items() == kept
