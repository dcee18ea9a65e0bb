"""A CloudFormation custom resource request, as CloudFormation sends it to the function
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-requests.html)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict, Field

from loyalty.models.common import Model


class CustomResourceRequest(Model):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    request_type: Literal["Create", "Update", "Delete"] = Field(alias="RequestType")
    response_url: str = Field(alias="ResponseURL")
    stack_id: str = Field(alias="StackId")
    request_id: str = Field(alias="RequestId")
    resource_type: str = Field(alias="ResourceType")
    logical_resource_id: str = Field(alias="LogicalResourceId")
    physical_resource_id: str | None = Field(default=None, alias="PhysicalResourceId")  # Update and Delete
    properties: dict[str, Any] = Field(default_factory=dict, alias="ResourceProperties")
    old_properties: dict[str, Any] | None = Field(default=None, alias="OldResourceProperties")  # Update


class AdminKeyProperties(Model):
    """Custom::AdminKey's properties in template.yaml."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    secret_arn: str = Field(alias="SecretArn", min_length=1)
    version: str = Field(alias="Version", min_length=1, max_length=64)
    label: str = Field(default="stack admin key", alias="Label", min_length=1, max_length=100)


class ResourceOutcome(Model):
    """What a custom resource answers: its physical id and the attributes Fn::GetAtt may read (never a
    secret: CloudFormation shows them to anyone who may describe the stack)."""

    physical_id: str = Field(min_length=1, max_length=1024)
    data: dict[str, str] = Field(default_factory=dict)
