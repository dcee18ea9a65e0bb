"""Honest errors (issue 11, item 5): what a caller is told when DynamoDB fails beyond boto3's retries.

- 503 ``unavailable`` only for what a retry can fix: throttling (ThrottlingException,
  ProvisionedThroughputExceededException, RequestLimitExceeded), AWS's own 5xx, a transaction holding the
  item, timeouts and connections that fail. The client retries with the same id; nothing is doubled.
- 500 ``internal_error`` for the rest (ValidationException, an item too large, AccessDeniedException, a
  missing table): still problem+json, logged with its cause (exception type, AWS error code, where it was
  raised; never DynamoDB's message, which may quote the request) and counted as ``InternalErrors``, the
  metric template.yaml's FunctionErrorsAlarm adds to the functions' Errors.

Until this change every ClientError and BotoCoreError answered 503, so a request that can never succeed
(a malformed item, a missing permission) told clients to retry forever and no alarm saw it.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from harness.api import Answer, Api
from tests.engine.faults.test_faults import order
from tests.service.faults.harness import Fault, Faults
from tests.service.security.test_logs import EMAIL, powertools_lines

RETRYABLE = [
    Fault.THROTTLE,
    Fault.PROVISIONED,
    Fault.REQUEST_LIMIT,
    Fault.SERVER_ERROR,
    Fault.IN_PROGRESS,
    Fault.LOST_REQUEST,
    Fault.UNREACHABLE,
    Fault.CONNECT_TIMEOUT,
]
NOT_RETRYABLE = {
    Fault.VALIDATION: "ValidationException",
    Fault.TOO_LARGE: "ValidationException",
    Fault.ACCESS_DENIED: "AccessDeniedException",
    Fault.NO_TABLE: "ResourceNotFoundException",
}


@pytest.fixture
def member(api: Api) -> Api:
    assert api.post("/v1/members", {"member_id": "m-1", "email": "ada@example.com"}).status == 201
    return api


@contextmanager
def logs_and_stdout(capfd: pytest.CaptureFixture[str]) -> Iterator[io.StringIO]:
    """Everything the functions wrote: their Powertools log lines, then stdout (where EMF metrics go)."""
    capfd.readouterr()
    with powertools_lines() as lines:
        yield lines
    out, err = capfd.readouterr()
    lines.write(out + err)


def log_lines(text: str, message: str) -> list[dict[str, Any]]:
    found = []
    for line in text.splitlines():
        if line.startswith("{") and f'"{message}"' in line:
            parsed = json.loads(line)
            if parsed.get("message") == message:
                found.append(parsed)
    return found


def internal_errors_published(text: str) -> int:
    """The InternalErrors data points among the EMF lines (namespace Loyalty, dimension service)."""
    total = 0
    for line in text.splitlines():
        if '"InternalErrors"' not in line or not line.startswith("{"):
            continue
        metric = json.loads(line)
        (directive,) = metric["_aws"]["CloudWatchMetrics"]
        assert directive["Namespace"] == "Loyalty" and directive["Dimensions"] == [["service"]]
        assert metric["service"] == "loyalty"
        total += int(sum(metric["InternalErrors"]))
    return total


def order_failing(member: Api, faults: Faults, fault: Fault, capfd: pytest.CaptureFixture[str]) -> tuple[Answer, str]:
    """POST /v1/orders while its transaction meets ``fault`` (more times than boto3 retries): the answer, and
    what the functions logged and printed meanwhile."""
    faults.add("TransactWriteItems", fault, times=4, touching="ORDER#o-1")
    with logs_and_stdout(capfd) as output:
        answer = member.post("/v1/orders", order("o-1", 12_300))
    return answer, output.getvalue()


def assert_problem(answer: Answer, status: int, code: str) -> None:
    assert answer.status == status, answer.body
    assert answer.content_type == "application/problem+json", answer.headers
    assert answer.body["code"] == code and answer.body["status"] == status, answer.body


# --- 503: a retry can fix it ----------------------------------------------------------------------


@pytest.mark.parametrize("fault", RETRYABLE, ids=lambda fault: fault.value)
def test_what_a_retry_fixes_answers_503_and_counts_no_internal_error(
    member: Api, faults: Faults, fault: Fault, capfd: pytest.CaptureFixture[str]
) -> None:
    answer, text = order_failing(member, faults, fault, capfd)
    assert_problem(answer, 503, "unavailable")
    assert internal_errors_published(text) == 0
    faults.clear()
    assert member.post("/v1/orders", order("o-1", 12_300)).status == 201  # the retry the 503 asked for


def test_a_single_item_write_held_by_a_transaction_answers_503(admin_api: Api, api: Api, faults: Faults) -> None:
    faults.add("PutItem", Fault.ITEM_CONFLICT, times=4, touching="coffee")
    reward = {"name": "Coffee", "kind": "voucher", "cost_points": 100, "active": True, "stock": 5}
    assert_problem(admin_api.put("/v1/admin/rewards/coffee", reward), 503, "unavailable")


@pytest.mark.parametrize("fault", [Fault.THROTTLE, Fault.UNREACHABLE], ids=lambda fault: fault.value)
def test_a_read_that_a_retry_fixes_answers_503(member: Api, faults: Faults, fault: Fault) -> None:
    for operation in ("GetItem", "Query"):
        faults.add(operation, fault, times=8, touching="MEMBER#m-1")
    assert_problem(member.get("/v1/members/m-1"), 503, "unavailable")


# --- 500: nothing a retry fixes ---------------------------------------------------------------------


@pytest.mark.parametrize("fault", list(NOT_RETRYABLE), ids=lambda fault: fault.value)
def test_what_no_retry_fixes_answers_500_logs_its_cause_and_counts_an_internal_error(
    member: Api, faults: Faults, fault: Fault, capfd: pytest.CaptureFixture[str]
) -> None:
    answer, text = order_failing(member, faults, fault, capfd)
    assert_problem(answer, 500, "internal_error")
    assert faults.count("TransactWriteItems", fault) == 1, "boto3 does not retry it, and neither do we"
    (logged,) = log_lines(text, "internal error")
    assert logged["level"] == "ERROR"
    # botocore names the exception class after a modelled error code (ResourceNotFoundException), else ClientError.
    assert logged["error_type"] in ("ClientError", NOT_RETRYABLE[fault])
    assert logged["aws_error_code"] == NOT_RETRYABLE[fault]
    assert logged["aws_operation"] == "TransactWriteItems"
    assert logged["raised_at"], "where it was raised, for whoever reads the alarm"
    assert internal_errors_published(text) == 1
    # Neither DynamoDB's message (the validation one quotes the request) nor any email reaches the logs.
    assert "ada@example.com" not in text and not EMAIL.search(text), text[:2000]
    assert "exception" not in logged, "a traceback would carry the exception's message"


def test_a_read_refused_for_good_answers_500(member: Api, faults: Faults) -> None:
    for operation in ("GetItem", "Query"):
        faults.add(operation, Fault.ACCESS_DENIED, times=2, touching="MEMBER#m-1")
    assert_problem(member.get("/v1/members/m-1"), 500, "internal_error")
