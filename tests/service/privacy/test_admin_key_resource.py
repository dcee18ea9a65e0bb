"""The stack's first admin key (Custom::AdminKey), driven by the requests CloudFormation sends: create
issues a working admin key whose value only the secret holds; an update of AdminKeyVersion issues a new
one, and CloudFormation's delete of the replaced resource revokes the old; the stack's deletion revokes
the last. A request sent again answers the same and issues nothing more."""

from __future__ import annotations

import json
from typing import Any

import pytest

from harness.api import Api
from local import runtime
from local.cloudformation import EVENTS, CloudFormation, cloudformation
from local.template import Template
from loyalty.services import api_keys
from tests.conftest import table_items

FIRST_KEY_ID = "key_8bb9403bf7874ab0"  # derived from create.json's request (the events' PhysicalResourceIds)
ROTATED_KEY_ID = "key_4b6e4a1114b88601"


@pytest.fixture
def cfn(aws: str) -> Any:
    with cloudformation() as stack:
        yield stack


def invoke(template: Template, stack: CloudFormation, name: str) -> dict[str, Any]:
    """Send the request as CloudFormation does and answer what CloudFormation received."""
    before = len(stack.answers)
    returned = runtime.invoke(template, "AdminKeyFunction", stack.request(name))
    [answer] = stack.answers[before:]
    assert answer.body == returned
    assert answer.headers.get("content-type", "") == ""  # the presigned URL is signed without one
    assert answer.path.startswith("/arn%3Aaws%3Acloudformation") and "X-Amz-Signature=" in answer.path
    return answer.body


def works(template: Template, key: str) -> bool:
    """Whether the key opens an admin route (the program is not configured yet: 409 behind the auth)."""
    api_keys._seen.clear()
    status = Api(template, key).get("/v1/admin/program").status
    assert status in (401, 409), status
    return status == 409


def test_create_rotate_and_delete_with_the_requests_cloudformation_sends(
    template: Template, cfn: CloudFormation, ddb: Any
) -> None:
    created = invoke(template, cfn, "create.json")
    assert created["Status"] == "SUCCESS", created
    assert created["PhysicalResourceId"] == FIRST_KEY_ID and created["Data"] == {"KeyId": FIRST_KEY_ID}
    assert (created["StackId"], created["LogicalResourceId"]) == (
        cfn.request("create.json")["StackId"],
        "FirstAdminKey",
    )
    first = cfn.secret()
    assert first["key_id"] == FIRST_KEY_ID and first["version"] == "1" and first["key"].startswith("lk_")
    assert works(template, first["key"])
    # Only the hash is in the table; the key is in no answer CloudFormation keeps.
    assert not [item for item in table_items(ddb) if first["key"] in json.dumps(item, default=str)]
    assert first["key"] not in json.dumps(cfn.answers[-1].body)

    # CloudFormation sends a request again when it lost the answer: the same key, nothing more issued.
    again = invoke(template, cfn, "create.json")
    assert again == created and cfn.secret() == first
    assert len([item for item in table_items(ddb) if item["PK"]["S"].startswith("KEYID#")]) == 1

    rotated = invoke(template, cfn, "rotate.json")  # AdminKeyVersion 1 -> 2
    assert rotated["Status"] == "SUCCESS" and rotated["PhysicalResourceId"] == ROTATED_KEY_ID
    second = cfn.secret()
    assert second["key_id"] == ROTATED_KEY_ID and second["version"] == "2" and second["key"] != first["key"]
    assert works(template, second["key"]) and works(template, first["key"])  # until the update completes

    # The update completed: CloudFormation deletes the replaced resource, which revokes the old key.
    replaced = invoke(template, cfn, "delete-replaced.json")
    assert replaced["Status"] == "SUCCESS" and replaced["PhysicalResourceId"] == FIRST_KEY_ID
    assert not works(template, first["key"]) and works(template, second["key"])
    assert cfn.secret() == second

    deleted = invoke(template, cfn, "delete.json")  # the stack is deleted
    assert deleted["Status"] == "SUCCESS" and deleted["PhysicalResourceId"] == ROTATED_KEY_ID
    assert not works(template, second["key"])
    assert invoke(template, cfn, "delete.json")["Status"] == "SUCCESS"  # a delete sent again: nothing left
    assert not [item for item in table_items(ddb) if item["PK"]["S"].startswith(("KEYID#", "APIKEY#"))]


def test_an_update_that_keeps_the_version_keeps_the_key(template: Template, cfn: CloudFormation) -> None:
    invoke(template, cfn, "create.json")
    first = cfn.secret()
    update = json.loads((EVENTS / "rotate.json").read_text())
    update["ResourceProperties"] = {**update["ResourceProperties"], "Version": "1", "Label": "renamed"}
    before = len(cfn.answers)
    runtime.invoke(template, "AdminKeyFunction", cfn.as_sent(update))
    answer = cfn.answers[before].body
    assert answer["Status"] == "SUCCESS" and answer["PhysicalResourceId"] == FIRST_KEY_ID
    assert cfn.secret() == first and works(template, first["key"])


def test_a_failure_answers_failed_and_leaves_no_key(template: Template, cfn: CloudFormation, ddb: Any) -> None:
    request = cfn.request("create.json")
    request["ResourceProperties"]["SecretArn"] = "arn:aws:secretsmanager:us-east-1:123456789012:secret:gone-AbCdEf"
    before = len(cfn.answers)
    runtime.invoke(template, "AdminKeyFunction", request)
    answer = cfn.answers[before].body
    assert answer["Status"] == "FAILED" and "ResourceNotFoundException" in answer["Reason"]
    assert answer["PhysicalResourceId"] == "local"  # the log stream: a placeholder, CloudFormation deletes it
    assert not [item for item in table_items(ddb) if item["PK"]["S"].startswith(("KEYID#", "APIKEY#"))]
    # The rollback's delete of the placeholder succeeds and revokes nothing.
    rollback = {**cfn.request("delete.json"), "PhysicalResourceId": "local"}
    runtime.invoke(template, "AdminKeyFunction", rollback)
    assert cfn.answers[-1].body["Status"] == "SUCCESS"
