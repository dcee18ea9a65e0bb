"""What the API functions' routes share besides their parameters (loyalty.entrypoints.params): who is
calling, the request's raw body, a write's answer, a report's answer in JSON or CSV, and the OpenAPI of
what a route answers."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any, cast

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse, OpenAPIResponseHeader

from loyalty.entrypoints.http import JSON, caller
from loyalty.models.common import Model

CSV = "text/csv"


def acting_key(app: APIGatewayHttpResolver) -> str | None:
    """The public id of the API key the current request came with (written on what the request changes)."""
    key_id: str | None = caller(app.current_event.raw_event).get("key_id")
    return key_id


def acting(app: APIGatewayHttpResolver) -> tuple[str | None, str]:
    """The current request's key id and label: who the ledger says changed a balance."""
    return acting_key(app), str(caller(app.current_event.raw_event).get("label") or "unknown")


def raw_body(app: APIGatewayHttpResolver) -> bytes:
    """The request's body as it came, byte for byte (a signature is over these exact bytes)."""
    event = app.current_event.raw_event
    body = event.get("body") or ""
    return base64.b64decode(body) if event.get("isBase64Encoded") else str(body).encode("utf-8")


def answered[T](body: T, created: bool, location: str) -> Response[T]:
    """A write's answer: 201 with the new resource's URL in ``Location``, or 200 when it was a replay."""
    if created:
        return Response(status_code=201, content_type=JSON, body=body, headers={"Location": location})
    return Response(status_code=200, content_type=JSON, body=body)


def body_doc(status: int, description: str, model: type[Any]) -> dict[int, OpenAPIResponse]:
    """The OpenAPI of an answer with a JSON body other than the route's default (a write's 201)."""
    return {status: {"description": description, "content": {JSON: {"model": model}}}}


def created_doc(description: str, model: type[Any]) -> dict[int, OpenAPIResponse]:
    """The OpenAPI of a write's 201: its body, and the Location header it always carries."""
    location = cast(
        OpenAPIResponseHeader,
        {"description": "The URL of what was created.", "required": True, "schema": {"type": "string"}},
    )
    return {201: body_doc(201, description, model)[201] | {"headers": {"Location": location}}}


def report_answer[M: Model](app: APIGatewayHttpResolver, report: M, as_csv: Callable[[M], str]) -> Response[Any]:
    """A report as JSON, or as CSV (``as_csv``) when the caller's Accept asks for ``text/csv``."""
    if CSV in (app.current_event.headers.get("accept") or "").lower():
        return Response(status_code=200, content_type=CSV, body=as_csv(report))
    return Response(status_code=200, content_type=JSON, body=report.model_dump(mode="json", by_alias=True))


def report_doc(model: type[Model]) -> dict[int, OpenAPIResponse]:
    """The OpenAPI of a report's 200: ``model`` as JSON, or a CSV document."""
    content: Any = {JSON: {"model": model}, CSV: {"schema": {"type": "string"}}}
    return {200: {"description": "The report (CSV with Accept: text/csv)", "content": content}}
