"""Custom::AdminKey: the stack's first admin key (CloudFormation custom resource). Parsing and answering
only; what the key is and where it goes lives in loyalty.services.admin_key_resource."""

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from loyalty.entrypoints import lazy
from loyalty.entrypoints.custom_resource import serve
from loyalty.entrypoints.observability import observed

if TYPE_CHECKING:
    from loyalty.services import admin_key_resource
else:  # imported on first use: see loyalty.entrypoints.lazy
    admin_key_resource = lazy.module("loyalty.services.admin_key_resource")


def answer(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return serve(event, context.log_stream_name, admin_key_resource.handle)


# Logged only: CloudFormation calls it a few times a deployment.
handler = observed(answer, traced=False, measured=False)
