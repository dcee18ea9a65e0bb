"""What the fault suite found about the answers a caller gets while DynamoDB misbehaves, each fixed since
and pinned here. (No fault ever lost or doubled points: test_faults.py proves that.)

- DynamoDB failing beyond boto3's retries surfaced as API Gateway's bare 500 {"message": ...}, not
  problem+json: now 503 problem+json (retrying is safe, every write is idempotent by its client id);
- 503 "contended" (a write that keeps losing races; PATCH of an email on a TransactionConflict) was not
  in docs/openapi.json.
"""

from __future__ import annotations

import json

import pytest

from harness.api import Api
from local.template import ROOT
from tests.engine.faults.test_faults import order
from tests.service.faults.harness import Fault, Faults

# Writes whose service gives up with Contended (503 "contended") after its own retries.
CONTENDED_ROUTES = [
    ("POST", "/v1/members"),
    ("PATCH", "/v1/members/{member_id}"),
    ("POST", "/v1/orders"),
    ("POST", "/v1/orders/{order_id}/refunds"),
    ("POST", "/v1/members/{member_id}/redemptions"),
    ("POST", "/v1/redemptions/{redemption_id}/cancel"),
    ("POST", "/v1/admin/members/{member_id}/adjustments"),
]


@pytest.mark.parametrize("aws", ["moto"], indirect=True)
@pytest.mark.parametrize("fault", [Fault.THROTTLE, Fault.LOST_RESPONSE, Fault.SERVER_ERROR])
def test_dynamodb_failing_beyond_boto3s_retries_answers_a_problem(
    admin_api: Api, api: Api, faults: Faults, fault: Fault
) -> None:
    assert api.post("/v1/members", {"member_id": "m-1", "email": "ada@example.com"}).status == 201
    faults.add("TransactWriteItems", fault, times=4, touching="ORDER#o-1")
    answer = api.post("/v1/orders", order("o-1", 12_300))
    assert answer.status == 503, answer.body
    assert answer.content_type == "application/problem+json", answer.body


@pytest.mark.parametrize(("method", "path"), CONTENDED_ROUTES)
def test_a_contended_write_is_documented_as_503(method: str, path: str) -> None:
    document = json.loads((ROOT / "docs" / "openapi.json").read_text(encoding="utf-8"))
    responses = document["paths"][path][method.lower()]["responses"]
    assert "503" in responses, f"{method} {path} documents {sorted(responses)}"
