"""GET /v1/health: liveness for load balancers and uptime checks (no key, no I/O)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from loyalty.entrypoints.http import resolver, serve

app = resolver()


class Health(BaseModel):
    status: str


@app.get("/v1/health", summary="Liveness check", tags=["health"])
def health() -> Health:
    return Health(status="ok")


def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return serve(app, event, context)
