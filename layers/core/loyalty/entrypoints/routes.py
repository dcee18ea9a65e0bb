"""What the API functions' routes share besides their parameters (loyalty.entrypoints.params): who is
calling, a write's answer, and the OpenAPI of what a route answers."""

from __future__ import annotations

from typing import Any, cast

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse, OpenAPIResponseHeader

from loyalty.entrypoints.http import JSON, caller


def acting_key(app: APIGatewayHttpResolver) -> str | None:
    """The public id of the API key the current request came with (written on what the request changes)."""
    key_id: str | None = caller(app.current_event.raw_event).get("key_id")
    return key_id


def acting(app: APIGatewayHttpResolver) -> tuple[str | None, str]:
    """The current request's key id and label: who the ledger says changed a balance."""
    return acting_key(app), str(caller(app.current_event.raw_event).get("label") or "unknown")


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
