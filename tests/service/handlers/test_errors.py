"""The HTTP edge's error answers (issue 11, item 5): which AWS failures a retry can fix (503
``unavailable``) and which it cannot (500 ``internal_error``, counted); a bug answers problem+json too;
bodies nested deeper than 64 levels are refused with 422 before anything parses them."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    ParamValidationError,
    ReadTimeoutError,
)

from harness.api import Api
from loyalty.services import members
from tests.service.security.test_logs import EMAIL, powertools_lines


def edge() -> Any:
    """loyalty.entrypoints.http, imported once the template's environment is set: its Powertools child
    logger takes its name (loyalty.entrypoints.http) from POWERTOOLS_SERVICE_NAME when first imported."""
    from loyalty.entrypoints import http

    return http


def name(error: Exception) -> str:
    return str(error.response["Error"]["Code"]) if isinstance(error, ClientError) else type(error).__name__


def client_error(code: str, status: int = 400, reasons: list[str] | None = None) -> ClientError:
    response: dict[str, Any] = {"Error": {"Code": code, "Message": "quoting ada@example.com"}}
    response["ResponseMetadata"] = {"HTTPStatusCode": status}
    if reasons is not None:
        response["CancellationReasons"] = [{"Code": reason} for reason in reasons]
    return ClientError(response, "TransactWriteItems")  # type: ignore[arg-type]


RETRYABLE = [
    client_error("ProvisionedThroughputExceededException"),
    client_error("ThrottlingException"),
    client_error("RequestLimitExceeded"),
    client_error("InternalServerError", 500),
    client_error("ServiceUnavailable", 503),
    client_error("SomethingNew", 502),  # any 5xx from AWS
    client_error("TransactionConflictException"),
    client_error("TransactionInProgressException"),
    client_error("TransactionCanceledException", reasons=["None", "TransactionConflict"]),
    client_error("TransactionCanceledException", reasons=["ThrottlingError", "None"]),
    EndpointConnectionError(endpoint_url="https://dynamodb.us-east-1.amazonaws.com"),
    ConnectTimeoutError(endpoint_url="https://dynamodb.us-east-1.amazonaws.com"),
    ReadTimeoutError(endpoint_url="https://dynamodb.us-east-1.amazonaws.com"),
    ConnectionClosedError(endpoint_url="https://dynamodb.us-east-1.amazonaws.com"),
]
NOT_RETRYABLE = [
    client_error("ValidationException"),
    client_error("AccessDeniedException"),
    client_error("ResourceNotFoundException"),
    client_error("ItemCollectionSizeLimitExceededException"),
    client_error("TransactionCanceledException", reasons=["None", "ValidationError"]),
    client_error("TransactionCanceledException", reasons=["ConditionalCheckFailed", "TransactionConflict"]),
    client_error("TransactionCanceledException", reasons=["None"]),
    NoCredentialsError(),
    ParamValidationError(report="Invalid type for parameter Item"),
    KeyError("ada@example.com"),
]


@pytest.mark.parametrize("error", RETRYABLE, ids=name)
def test_what_a_retry_can_fix(error: Exception) -> None:
    assert edge().retryable(error)


@pytest.mark.parametrize("error", NOT_RETRYABLE, ids=name)
def test_what_no_retry_fixes(error: Exception) -> None:
    assert not edge().retryable(error)


def test_the_cause_logged_is_type_code_operation_and_place_never_the_message() -> None:
    try:
        raise client_error("ValidationException")
    except ClientError as error:
        cause = edge().failure_cause(error)
    assert cause["error_type"] == "ClientError"
    assert cause["aws_error_code"] == "ValidationException"
    assert cause["aws_operation"] == "TransactWriteItems"
    assert cause["raised_at"][-1].startswith("test_errors.py:")
    assert "ada@example.com" not in json.dumps(cause)


# --- a bug answers problem+json, logged without its message, and counted ---------------------------


def test_a_bug_answers_500_internal_error_as_problem_json(
    api: Api, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    """Before: the exception left the handler, Lambda counted an error and API Gateway answered its own
    {"message": "Internal Server Error"}, not problem+json; the runtime logged the message (an email)."""

    def broken(member_id: str) -> Any:
        raise KeyError("ada@example.com")

    monkeypatch.setattr(members, "get", broken)
    capfd.readouterr()
    with powertools_lines() as lines:
        answer = api.get("/v1/members/m-1")
    out, err = capfd.readouterr()
    assert answer.status == 500, answer.body
    assert answer.content_type == "application/problem+json"
    assert answer.body["code"] == "internal_error" and answer.body["status"] == 500
    logged = [json.loads(line) for line in lines.getvalue().splitlines() if '"internal error"' in line]
    assert [(line["level"], line["error_type"]) for line in logged] == [("ERROR", "KeyError")]
    assert any("broken" in place for place in logged[0]["raised_at"])
    assert '"InternalErrors":[1.0]' in out
    everything = lines.getvalue() + out + err
    assert "ada@example.com" not in everything and not EMAIL.search(everything)


def test_client_errors_still_answer_as_before(api: Api) -> None:
    """The catch-all does not swallow what the contract names: 404, 422 and 415 (now problem+json too)."""
    assert api.get("/v1/members/nobody").body["code"] == "member_not_found"
    assert api.post("/v1/members", {"member_id": "m-1"}).body["code"] == "validation_error"
    plain = api.post("/v1/members", raw=b"member_id=m-1", headers={"Content-Type": "text/plain"})
    assert plain.status == 415, plain.body
    assert plain.content_type == "application/problem+json" and plain.body["code"] == "validation_error"


# --- bodies nested too deep --------------------------------------------------------------------------


def nested(depth: int, inner: str = "1") -> str:
    return "[" * depth + inner + "]" * depth


def test_a_body_nested_far_too_deep_is_422_not_a_500_from_recursion(api: Api) -> None:
    """Before: json.loads raised RecursionError inside the resolver: an unhandled 500 from API Gateway."""
    for body in (nested(100_000), '{"member_id": ' + nested(5_000) + "}", "{" + '"a":{' * 3_000 + "}" * 3_001):
        answer = api.post("/v1/members", raw=body.encode())
        assert answer.status == 422, answer.body
        assert answer.content_type == "application/problem+json"
        assert answer.body["code"] == "validation_error"
        assert answer.body["errors"] == [
            {"loc": ["body"], "msg": "body nests arrays and objects deeper than 64 levels"}
        ]


def test_the_limit_is_64_levels(api: Api) -> None:
    deep = {"member_id": "m-1", "email": "ada@example.com", "name": json.loads(nested(63))}  # 64 with the object
    answer = api.post("/v1/members", raw=json.dumps(deep).encode())
    assert answer.status == 422 and answer.body["errors"][0]["loc"] != ["body"], (
        answer.body
    )  # pydantic's: a name is text
    deeper = {**deep, "name": json.loads(nested(64))}
    answer = api.post("/v1/members", raw=json.dumps(deeper).encode())
    assert answer.body["errors"] == [{"loc": ["body"], "msg": "body nests arrays and objects deeper than 64 levels"}]


def test_brackets_inside_strings_do_not_count(api: Api) -> None:
    name = '[{"\\"' * 40 + "]"
    body = {"member_id": "m-1", "email": "ada@example.com", "name": name[:200]}
    answer = api.post("/v1/members", body)
    assert answer.status == 201, answer.body
    assert answer.body["name"] == name[:200]


def test_a_deep_body_sent_as_binary_is_refused_too(api: Api) -> None:
    # API Gateway hands a binary type's body over base64-encoded; the route takes JSON only, so the type
    # alone refuses it (415) before the body is decoded (loyalty.entrypoints.media_types).
    answer = api.post("/v1/members", raw=nested(1_000).encode(), headers={"Content-Type": "application/octet-stream"})
    assert answer.status == 415 and answer.body["errors"][0]["loc"] == ["header", "content-type"], answer.body


def test_the_depth_check_is_linear_and_recursion_free() -> None:
    http = edge()
    assert not http.nesting_exceeds("[]" * 500_000, 64)
    assert http.nesting_exceeds(nested(1_000_000), 64)
    assert not http.nesting_exceeds('["' + "[" * 1000 + '"]', 64)
    assert not http.nesting_exceeds(base64.b64encode(b"[" * 100).decode(), 64)
