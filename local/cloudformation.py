"""CloudFormation's side of a custom resource, locally: the requests it sends (events/AdminKeyFunction/)
pointed at a secret of the local backend and at a receiver on 127.0.0.1 standing in for the presigned
S3 response URL, which records what the function answers. Tests, the contract test's event sequence and
the benchmark's seeded backend run the custom resource function through it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3

from local import loopback

EVENTS = Path(__file__).resolve().parent.parent / "events" / "AdminKeyFunction"


def custom_resource_functions(resources: dict[str, dict[str, Any]]) -> set[str]:
    """The functions CloudFormation invokes for a custom resource (the template's ServiceTokens)."""
    return {
        resource["Properties"]["ServiceToken"]["Fn::GetAtt"][0]
        for resource in resources.values()
        if str(resource.get("Type", "")).startswith("Custom::")
    }


@dataclass
class Answer:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class CloudFormation:
    base_url: str
    secret_arn: str
    answers: list[Answer] = field(default_factory=list)

    def request(self, name: str) -> dict[str, Any]:
        """A committed event, as CloudFormation would send it to this stack: its response URL on the
        receiver (same path and query), its secret the one in moto."""
        event: dict[str, Any] = json.loads((EVENTS / name).read_text(encoding="utf-8"))
        return self.as_sent(event)

    def as_sent(self, event: dict[str, Any]) -> dict[str, Any]:
        parts = urlsplit(event["ResponseURL"])
        sent = {**event, "ResponseURL": f"{self.base_url}{parts.path}?{parts.query}"}
        for name in ("ResourceProperties", "OldResourceProperties"):
            if name in sent:
                sent[name] = {**sent[name], "SecretArn": self.secret_arn}
        return sent

    def secret(self) -> dict[str, str]:
        value = boto3.client("secretsmanager").get_secret_value(SecretId=self.secret_arn)
        parsed: dict[str, str] = json.loads(value["SecretString"])
        return parsed


@contextmanager
def cloudformation(secret_name: str = "AdminKeySecret") -> Iterator[CloudFormation]:  # noqa: S107 - a name
    """A receiver on 127.0.0.1 and the stack's secret (created without a value, as the template's is)."""
    arn = boto3.client("secretsmanager").create_secret(Name=secret_name, Description="test")["ARN"]
    state = CloudFormation("", arn)

    def answer(request: loopback.Request) -> int:
        state.answers.append(Answer(request.path, request.headers, json.loads(request.body or b"{}")))
        return 200

    with loopback.serving(answer) as base_url:
        state.base_url = base_url
        yield state
