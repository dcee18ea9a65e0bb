"""The bare handler each function's cold start is compared with (DESIGN.md: "init <= 1.2 x a bare
handler that imports boto3, powertools and pydantic").

It does at import what every one of our handlers does at least: import boto3, pydantic and Powertools,
and create a Logger, a Tracer and a Metrics. No boto3 client: ours create theirs lazily, on first use
(loyalty.store.client.dynamodb), so neither side pays for one during init.
"""

from typing import Any

import boto3  # noqa: F401 - imported for its cost, as the runtime's boto3 is by a real handler
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

logger = Logger()
tracer = Tracer()
metrics = Metrics()


class Answer(BaseModel):
    status: str


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return Answer(status="ok").model_dump()
