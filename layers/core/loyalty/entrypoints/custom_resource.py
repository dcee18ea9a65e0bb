"""CloudFormation custom resources: parse the request, run the resource's use case, and always answer
CloudFormation (a resource that never answers holds the stack for an hour), SUCCESS or FAILED with the
reason, by the response protocol (a PUT to the request's presigned URL).

``resource_handler`` makes a custom resource function's Lambda handler: logged (not traced, no metrics:
CloudFormation calls it a few times a deployment), its use case imported on first use."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from loyalty.adapters import cfn_response
from loyalty.entrypoints import lazy, observability
from loyalty.entrypoints.observability import Handler
from loyalty.models.custom_resource import CustomResourceRequest, ResourceOutcome

logger = Logger(child=True)
REASON_MAX = 1000  # CloudFormation shows the reason in the stack's events; keep it short


def serve(
    event: dict[str, Any], log_stream: str, handle: Callable[[CustomResourceRequest], ResourceOutcome]
) -> dict[str, Any]:
    """Answer the request ``event`` with what ``handle`` makes of it; the body sent is returned too."""
    request = CustomResourceRequest.model_validate(event)
    body: dict[str, Any] = {
        "StackId": request.stack_id,
        "RequestId": request.request_id,
        "LogicalResourceId": request.logical_resource_id,
    }
    try:
        outcome = handle(request)
    except Exception as error:  # every failure must reach CloudFormation, as FAILED
        logger.exception("custom resource failed", extra={"request_type": request.request_type})
        reason = f"{type(error).__name__}: {error}"[:REASON_MAX] + f" (log stream {log_stream})"
        # A create that failed has no resource: CloudFormation deletes this placeholder on rollback.
        body |= {"Status": "FAILED", "Reason": reason, "PhysicalResourceId": request.physical_resource_id or log_stream}
    else:
        body |= {"Status": "SUCCESS", "PhysicalResourceId": outcome.physical_id, "Data": outcome.data}
    logger.info(
        "custom resource answered",
        extra={
            "request_type": request.request_type,
            "status": body["Status"],
            "physical_id": body["PhysicalResourceId"],
        },
    )
    cfn_response.send(request.response_url, body)
    return body


def resource_handler(use_case: str) -> Handler[dict[str, Any]]:
    """The handler answering with the ``handle`` function of the module ``use_case`` (a service module,
    imported on its first request: loyalty.entrypoints.lazy)."""
    service = lazy.module(use_case)

    def answer(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        handle: Callable[[CustomResourceRequest], ResourceOutcome] = service.handle
        return serve(event, context.log_stream_name, handle)

    return observability.observed(answer, traced=False, measured=False)
