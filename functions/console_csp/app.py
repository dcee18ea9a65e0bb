"""Custom::ConsoleConnectSrc: names the deployment's own API in the console's Content-Security-Policy
(CloudFormation custom resource). Parsing and answering only; the rule lives in
loyalty.services.console_csp_resource."""

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from loyalty.entrypoints import lazy
from loyalty.entrypoints.custom_resource import serve
from loyalty.entrypoints.observability import observed

if TYPE_CHECKING:
    from loyalty.services import console_csp_resource
else:  # imported on first use: see loyalty.entrypoints.lazy
    console_csp_resource = lazy.module("loyalty.services.console_csp_resource")


def answer(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return serve(event, context.log_stream_name, console_csp_resource.handle)


# Logged only: CloudFormation calls it a few times a deployment.
handler = observed(answer, traced=False, measured=False)
