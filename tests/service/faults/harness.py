"""Make the layer's DynamoDB client fail at chosen points, below boto3's own retries.

Each *attempt* boto3 makes (4 per call: store/client.py's ``max_attempts: 3`` counts retries) goes
through ``Endpoint._do_get_response``; the harness wraps that method on the layer's client, so a fault
hits one attempt and boto3 reacts as it would in production: it retries throttling, server errors and
timeouts with the *same* request (same body, same auto-generated ClientRequestToken), and surfaces
anything else, or the last failure, to our code.

Faults:
  THROTTLE        ThrottlingException, nothing written (boto3 retries it)
  SERVER_ERROR    500 InternalServerError, nothing written (boto3 retries it)
  CONFLICT        TransactionCanceledException with a TransactionConflict reason on the last item,
                  nothing written (a concurrent transaction held an item; boto3 does not retry it)
  ITEM_CONFLICT   TransactionConflictException, nothing written (a single-item write met an item a
                  transaction holds; boto3 does not retry it)
  IN_PROGRESS     TransactionInProgressException, nothing written (what DynamoDB answers a retry whose
                  first attempt is still running; boto3 retries it)
  LOST_REQUEST    a read timeout before the request reached DynamoDB: nothing written
  LOST_RESPONSE   a read timeout *after* DynamoDB applied the request: the write landed, the answer
                  never came back
  UNREACHABLE     EndpointConnectionError: no connection to the endpoint (boto3 retries it)
  CONNECT_TIMEOUT ConnectTimeoutError: the connection was not made in time (boto3 retries it)
  PROVISIONED     ProvisionedThroughputExceededException (boto3 retries it)
  REQUEST_LIMIT   RequestLimitExceeded, the account's throughput quota (boto3 retries it)
Faults no retry fixes (boto3 surfaces them at once; nothing written):
  VALIDATION      ValidationException (a request DynamoDB refuses as malformed)
  TOO_LARGE       ValidationException "Item size has exceeded the maximum allowed size"
  ACCESS_DENIED   AccessDeniedException (the role may not do this)
  NO_TABLE        ResourceNotFoundException (the table is missing)

The harness wraps a private botocore method; botocore is pinned in requirements-dev.txt, and a test
(test_harness.py) proves every fault behaves as described on both backends.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import Enum
from types import SimpleNamespace
from typing import Any

import botocore.endpoint
import pytest
from botocore.awsrequest import AWSResponse
from botocore.endpoint import convert_to_response_dict
from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError

from loyalty.store.client import dynamodb


class Fault(Enum):
    THROTTLE = "throttle"
    SERVER_ERROR = "server_error"
    CONFLICT = "conflict"
    ITEM_CONFLICT = "item_conflict"
    IN_PROGRESS = "in_progress"
    LOST_REQUEST = "lost_request"
    LOST_RESPONSE = "lost_response"
    UNREACHABLE = "unreachable"
    CONNECT_TIMEOUT = "connect_timeout"
    PROVISIONED = "provisioned"
    REQUEST_LIMIT = "request_limit"
    VALIDATION = "validation"
    TOO_LARGE = "too_large"
    ACCESS_DENIED = "access_denied"
    NO_TABLE = "no_table"


_PREFIX = "com.amazonaws.dynamodb.v20120810#"
_ERRORS: dict[Fault, tuple[int, str, str]] = {
    Fault.THROTTLE: (400, "ThrottlingException", "Rate of requests exceeds the allowed throughput."),
    Fault.SERVER_ERROR: (500, "InternalServerError", "Internal server error"),
    Fault.CONFLICT: (400, "TransactionCanceledException", "Transaction cancelled"),
    Fault.ITEM_CONFLICT: (400, "TransactionConflictException", "Transaction is ongoing for the item"),
    Fault.IN_PROGRESS: (400, "TransactionInProgressException", "Transaction is in progress"),
    Fault.PROVISIONED: (
        400,
        "ProvisionedThroughputExceededException",
        "The level of configured provisioned throughput for the table was exceeded.",
    ),
    Fault.REQUEST_LIMIT: (
        400,
        "RequestLimitExceeded",
        "Throughput exceeds the current throughput limit for your account.",
    ),
    # Messages as DynamoDB words them; the first quotes the request, which is why no log may carry one.
    Fault.VALIDATION: (400, "ValidationException", "One or more parameter values were invalid: ada@example.com"),
    Fault.TOO_LARGE: (400, "ValidationException", "Item size has exceeded the maximum allowed size"),
    Fault.ACCESS_DENIED: (
        400,
        "AccessDeniedException",
        "User: arn:aws:sts::123456789012:assumed-role/x is not authorized to perform: dynamodb:PutItem",
    ),
    Fault.NO_TABLE: (400, "ResourceNotFoundException", "Requested resource not found"),
}


@dataclass
class Rule:
    operation: str  # e.g. "TransactWriteItems"
    fault: Fault
    times: int = 1  # how many matching attempts fail
    skip: int = 0  # matching attempts let through before the first failure
    match: Callable[[dict[str, Any]], bool] | None = None  # on the request's JSON body
    seen: int = 0
    fired: int = 0

    def due(self, operation: str, body: dict[str, Any]) -> bool:
        if operation != self.operation or (self.match is not None and not self.match(body)):
            return False
        self.seen += 1
        if self.seen <= self.skip or self.fired >= self.times:
            return False
        self.fired += 1
        return True


@dataclass
class Faults:
    rules: list[Rule] = field(default_factory=list)
    attempts: list[tuple[str, str]] = field(default_factory=list)  # (operation, fault name or "ok")

    def add(
        self,
        operation: str,
        fault: Fault,
        *,
        times: int = 1,
        skip: int = 0,
        touching: str | None = None,
    ) -> Rule:
        """Fail the next ``times`` attempts of ``operation`` (after ``skip``), optionally only those whose
        request mentions ``touching`` (a key such as "ORDER#o-1")."""
        match = None
        if touching is not None:
            needle = touching

            def match(body: dict[str, Any]) -> bool:
                return needle in json.dumps(body)

        rule = Rule(operation, fault, times, skip, match)
        self.rules.append(rule)
        return rule

    def clear(self) -> None:
        """Heal the table; first check every armed fault hit at least once (one that never fired proves
        nothing). A fault may fire fewer than ``times`` times when the caller gives up before."""
        missed = [f"{rule.operation} {rule.fault.value}" for rule in self.rules if rule.fired == 0]
        self.rules.clear()
        assert not missed, f"armed faults that never fired: {missed}"

    def count(self, operation: str, fault: Fault | None = None) -> int:
        name = fault.value if fault else None
        return sum(1 for op, what in self.attempts if op == operation and (name is None or what == name))

    def wrap(self, endpoint: Any) -> Callable[..., Any]:
        original = endpoint._do_get_response

        def attempt(request: Any, operation_model: Any, context: Any) -> Any:
            name = operation_model.name
            body = _body(request)
            rule = next((rule for rule in self.rules if rule.due(name, body)), None)
            self.attempts.append((name, rule.fault.value if rule else "ok"))
            if rule is None:
                return original(request, operation_model, context)
            if rule.fault is Fault.LOST_RESPONSE:
                original(request, operation_model, context)  # applied by DynamoDB; the answer is lost
                return None, ReadTimeoutError(endpoint_url=request.url)
            if rule.fault is Fault.LOST_REQUEST:
                return None, ReadTimeoutError(endpoint_url=request.url)
            if rule.fault is Fault.UNREACHABLE:
                return None, EndpointConnectionError(endpoint_url=request.url)
            if rule.fault is Fault.CONNECT_TIMEOUT:
                return None, ConnectTimeoutError(endpoint_url=request.url)
            return _error_response(endpoint, operation_model, rule.fault, body)

        return attempt


def _body(request: Any) -> dict[str, Any]:
    raw = request.body
    if not raw:
        return {}
    text = raw.decode() if isinstance(raw, bytes) else str(raw)
    parsed: dict[str, Any] = json.loads(text)
    return parsed


class _Raw:
    def __init__(self, content: bytes) -> None:
        self.content = content

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.content


def _error_response(endpoint: Any, operation_model: Any, fault: Fault, body: dict[str, Any]) -> Any:
    """An error answer parsed exactly as botocore parses one from the wire."""
    status, code, message = _ERRORS[fault]
    payload: dict[str, Any] = {"__type": _PREFIX + code, "message": message}
    if fault is Fault.CONFLICT:
        count = max(len(body.get("TransactItems", [])), 1)
        reasons: list[dict[str, str]] = [{"Code": "None"}] * (count - 1)
        payload["CancellationReasons"] = [*reasons, {"Code": "TransactionConflict", "Message": "ongoing"}]
        payload["message"] += f", please refer cancellation reasons for specific reasons [{count}]"
    headers = {"x-amzn-requestid": "fault-injected", "content-type": "application/x-amz-json-1.0"}
    http = AWSResponse(endpoint.host, status, headers, _Raw(json.dumps(payload).encode()))
    response_dict = convert_to_response_dict(http, operation_model)
    parser = endpoint._response_parser_factory.create_parser(operation_model.service_model.resolved_protocol)
    parsed = parser.parse(response_dict, operation_model.output_shape)
    endpoint._add_modeled_error_fields(response_dict, parsed, operation_model, parser)
    return (http, parsed), None


@contextmanager
def injected(monkeypatch: pytest.MonkeyPatch) -> Iterator[Faults]:
    """Faults on the layer's client for the duration; boto3's back-off sleeps are skipped."""
    faults = Faults()
    endpoint = dynamodb()._endpoint  # type: ignore[attr-defined]
    with monkeypatch.context() as patch:
        patch.setattr(endpoint, "_do_get_response", faults.wrap(endpoint))
        patch.setattr(botocore.endpoint, "time", SimpleNamespace(sleep=lambda _seconds: None))
        yield faults


@pytest.fixture
def faults(aws: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Faults]:
    with injected(monkeypatch) as active:
        yield active
