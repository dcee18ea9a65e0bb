"""Secrets Manager: where the stack keeps what an operator must read once (the first admin key) and the
keys that sign member tokens (read by version stage: the current one and the one before it)."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError


@cache
def _client() -> Any:
    return boto3.client(
        "secretsmanager", config=Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=2)
    )


def reset() -> None:
    _client.cache_clear()


def put(secret_id: str, value: dict[str, str]) -> None:
    """A new current version of the secret (the one before stays, as AWSPREVIOUS)."""
    _client().put_secret_value(SecretId=secret_id, SecretString=json.dumps(value, sort_keys=True))


def current(secret_id: str) -> dict[str, str] | None:
    """The secret's current value, or None while it has none."""
    try:
        answer = _client().get_secret_value(SecretId=secret_id)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            return None  # created without a value: nothing stored yet
        raise
    try:
        value = json.loads(answer.get("SecretString") or "null")
    except json.JSONDecodeError:
        return None
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else None


def version(secret_id: str, stage: str) -> tuple[str, str] | None:
    """(version id, secret string) of the version that holds ``stage`` (AWSCURRENT, AWSPREVIOUS), or None
    when no version holds it (a secret never rotated has no AWSPREVIOUS)."""
    try:
        answer = _client().get_secret_value(SecretId=secret_id, VersionStage=stage)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            return None
        raise
    text = answer.get("SecretString")
    return (str(answer["VersionId"]), str(text)) if text else None
