"""Faults on the layer's S3 and SQS clients, at the wire: a ``before-send`` handler answers an attempt
with the error AWS would send (botocore then parses it, and retries it or not, exactly as in
production); an ``after-call`` handler marks entries of a SendMessageBatch that SQS *did* take as
failed, as SQS may answer (the trigger then sends them again: a double the worker must absorb).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import botocore.endpoint
import pytest
from botocore.awsrequest import AWSResponse


class _Raw:
    def __init__(self, content: bytes) -> None:
        self.content = content

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.content


@dataclass
class Injected:
    fired: int = 0
    calls: list[dict[str, Any]] = field(default_factory=list)


def sqs_error(code: str, query_code: str | None = None, status: int = 400) -> AWSResponse:
    """An SQS error as SQS's JSON protocol sends it (the query-compatible code in its header)."""
    headers = {"content-type": "application/x-amz-json-1.0", "x-amzn-requestid": "fault-injected"}
    if query_code:
        headers["x-amzn-query-error"] = f"{query_code};Sender"
    body = json.dumps({"__type": f"com.amazonaws.sqs#{code}", "message": "injected"}).encode()
    return AWSResponse("https://sqs.us-east-1.amazonaws.com/", status, headers, _Raw(body))


def s3_error(code: str, status: int) -> AWSResponse:
    body = f"<Error><Code>{code}</Code><Message>injected</Message><RequestId>F</RequestId></Error>".encode()
    return AWSResponse("https://s3.amazonaws.com/", status, {"content-type": "application/xml"}, _Raw(body))


def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore's retry sleeps skipped (its decisions kept)."""
    monkeypatch.setattr(botocore.endpoint, "time", SimpleNamespace(sleep=lambda _seconds: None))


def fail_sends(client: Any, operation: str, answer: AWSResponse, times: int, skip: int = 0) -> Injected:
    """The next ``times`` attempts of ``operation`` (after ``skip`` let through) answered with ``answer``
    (nothing reaches AWS)."""
    injected = Injected()
    service = client.meta.service_model.service_id.hyphenize()
    seen = {"n": 0}

    def before_send(request: Any, **_: Any) -> AWSResponse | None:
        seen["n"] += 1
        if seen["n"] <= skip or injected.fired >= times:
            return None
        injected.fired += 1
        return answer

    client.meta.events.register(f"before-send.{service}.{operation}", before_send)
    return injected


def record_calls(client: Any, operation: str) -> Injected:
    """Every call's parameters, as sent."""
    injected = Injected()
    service = client.meta.service_model.service_id.hyphenize()

    def before_build(params: dict[str, Any], **_: Any) -> None:
        injected.calls.append(params)

    client.meta.events.register(f"before-parameter-build.{service}.{operation}", before_build)
    return injected


def fail_taken_entries(client: Any, times: int) -> Injected:
    """The next ``times`` SendMessageBatch answers say their first entry failed (SQS's fault), though
    SQS queued it."""
    injected = Injected()

    def after_call(parsed: dict[str, Any], **_: Any) -> None:
        if injected.fired >= times or not parsed.get("Successful"):
            return
        injected.fired += 1
        entry = parsed["Successful"].pop(0)
        parsed.setdefault("Failed", []).append(
            {"Id": entry["Id"], "SenderFault": False, "Code": "InternalError", "Message": "injected"}
        )

    client.meta.events.register("after-call.sqs.SendMessageBatch", after_call)
    return injected
