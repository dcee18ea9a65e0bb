"""Custom::ConsoleConnectSrc against CloudFront's API (botocore's Stubber: moto has no response headers
policies): the console's connect-src becomes the API's own origin, the rest of the policy unchanged, and
a policy changed between the read and the write is read again."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.stub import Stubber

from loyalty.adapters import cloudfront
from loyalty.models.custom_resource import CustomResourceRequest
from loyalty.services import console_csp_resource

POLICY_ID = "67f7725c-6f97-4210-82d7-5512b31e9d03"
API = "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"
PLACEHOLDER = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"
)
CONFIG: dict[str, Any] = {
    "Name": "loyalty-console-headers",
    "Comment": "Security headers of the admin console.",
    "SecurityHeadersConfig": {
        "ContentSecurityPolicy": {"ContentSecurityPolicy": PLACEHOLDER, "Override": True},
        "FrameOptions": {"FrameOption": "DENY", "Override": True},
    },
}


def request(kind: str = "Create") -> CustomResourceRequest:
    return CustomResourceRequest.model_validate(
        {
            "RequestType": kind,
            "ResponseURL": "https://example.invalid/response",
            "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/loyalty/1",
            "RequestId": "r-1",
            "ResourceType": "Custom::ConsoleConnectSrc",
            "LogicalResourceId": "ConsoleConnectSrc",
            "ResourceProperties": {
                "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:f",
                "PolicyId": POLICY_ID,
                "PolicyModified": "2027-11-24T15:58:12.114Z",
                "ConnectSrc": f"'self' {API} ",
            },
        }
    )


@pytest.fixture
def stub(monkeypatch: pytest.MonkeyPatch) -> Iterator[Stubber]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    cloudfront.reset()
    with Stubber(cloudfront._client()) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()
    cloudfront.reset()


def _got(config: dict[str, Any], etag: str) -> dict[str, Any]:
    return {
        "ResponseHeadersPolicy": {
            "Id": POLICY_ID,
            "LastModifiedTime": "2027-11-24T15:58:12Z",
            "ResponseHeadersPolicyConfig": copy.deepcopy(config),
        },
        "ETag": etag,
    }


def _wanted() -> dict[str, Any]:
    wanted = copy.deepcopy(CONFIG)
    wanted["SecurityHeadersConfig"]["ContentSecurityPolicy"]["ContentSecurityPolicy"] = PLACEHOLDER.replace(
        "connect-src 'self'", f"connect-src 'self' {API}"
    )
    return wanted


def test_connect_src_becomes_the_apis_own_origin_and_nothing_else_changes(stub: Stubber) -> None:
    stub.add_response("get_response_headers_policy", _got(CONFIG, "E1"), {"Id": POLICY_ID})
    stub.add_response(
        "update_response_headers_policy",
        _got(_wanted(), "E2"),
        {"Id": POLICY_ID, "IfMatch": "E1", "ResponseHeadersPolicyConfig": _wanted()},
    )
    outcome = console_csp_resource.handle(request())
    assert outcome.physical_id == f"{POLICY_ID}/connect-src"
    assert f"connect-src 'self' {API};" in outcome.data["ContentSecurityPolicy"]


def test_a_policy_already_right_is_left_alone(stub: Stubber) -> None:
    stub.add_response("get_response_headers_policy", _got(_wanted(), "E2"), {"Id": POLICY_ID})
    console_csp_resource.handle(request("Update"))


def test_a_policy_changed_under_the_update_is_read_again(stub: Stubber) -> None:
    stub.add_response("get_response_headers_policy", _got(CONFIG, "E1"), {"Id": POLICY_ID})
    stub.add_client_error("update_response_headers_policy", "PreconditionFailed", http_status_code=412)
    stub.add_response("get_response_headers_policy", _got(CONFIG, "E3"), {"Id": POLICY_ID})
    stub.add_response(
        "update_response_headers_policy",
        _got(_wanted(), "E4"),
        {"Id": POLICY_ID, "IfMatch": "E3", "ResponseHeadersPolicyConfig": _wanted()},
    )
    console_csp_resource.handle(request("Update"))


def test_delete_touches_nothing(stub: Stubber) -> None:
    assert console_csp_resource.handle(request("Delete")).physical_id == "ConsoleConnectSrc"


@pytest.mark.parametrize(
    ("csp", "expected"),
    [
        ("default-src 'none'; connect-src 'self'", f"default-src 'none'; connect-src 'self' {API}"),
        ("default-src 'none';", f"default-src 'none'; connect-src 'self' {API}"),
        (
            "Connect-Src https://*.execute-api.us-east-1.amazonaws.com; img-src 'self'",
            f"connect-src 'self' {API}; img-src 'self'",
        ),
    ],
)
def test_only_the_connect_src_directive_is_rewritten(csp: str, expected: str) -> None:
    assert console_csp_resource.with_connect_src(csp, f"  'self'   {API} ") == expected
