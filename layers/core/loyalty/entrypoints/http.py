"""API Gateway edge: the resolver every API function uses, scope enforcement, and the one place
that turns exceptions into problem+json answers."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import BotoCoreError, ClientError

from loyalty.domain.errors import Forbidden, InvalidInput, LoyaltyError, Unauthorized

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://loyalty.dev/problems/"

# Routes anyone may call; every other route needs a key, and /v1/admin/ routes need an admin key.
PUBLIC_PREFIXES = ("/v1/health", "/v1/unsubscribe/")
# A commerce platform's webhooks: authenticated by the platform's HMAC over the body, not by a key.
PUBLIC_PATHS = re.compile(r"^/v1/integrations/[^/]+/webhooks$")
ADMIN_PREFIX = "/v1/admin/"
SCOPES_FOR = {"storefront": frozenset({"storefront", "admin"}), "admin": frozenset({"admin"})}

logger = Logger(child=True)


def problem(
    status: int, code: str, title: str, detail: str, errors: list[dict[str, Any]] | None = None
) -> Response[str]:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + code,
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }
    if errors is not None:
        body["errors"] = errors
    return Response(status_code=status, content_type=PROBLEM_JSON, body=json.dumps(body))


def error_response(error: LoyaltyError) -> Response[str]:
    errors = [{"loc": error.loc, "msg": error.detail}] if isinstance(error, InvalidInput) else None
    return problem(error.status, error.code, error.title, error.detail, errors)


def _validation_errors(error: RequestValidationError) -> list[dict[str, Any]]:
    items = []
    for raw in error.errors():
        loc = [part for part in raw.get("loc", ()) if part != "body" or len(raw.get("loc", ())) == 1]
        message = str(raw.get("msg", "invalid value"))
        if raw.get("type") == "json_invalid":
            loc, message = ["body"], "body is not valid JSON"
        elif raw.get("type") == "extra_forbidden":
            message = "unknown field"
        items.append({"loc": loc or ["body"], "msg": message})
    return items


def resolver() -> APIGatewayHttpResolver:
    """An HTTP API resolver that validates bodies with pydantic and answers errors as problem+json."""
    app = APIGatewayHttpResolver(enable_validation=True)

    @app.exception_handler(RequestValidationError)  # type: ignore[untyped-decorator]
    def _invalid(error: RequestValidationError) -> Response[str]:
        errors = _validation_errors(error)
        detail = "; ".join(f"{'.'.join(str(p) for p in item['loc'])}: {item['msg']}" for item in errors)
        return problem(422, "validation_error", "Request validation failed", detail, errors)

    @app.exception_handler(LoyaltyError)  # type: ignore[untyped-decorator]
    def _known(error: LoyaltyError) -> Response[str]:
        return error_response(error)

    @app.exception_handler([ClientError, BotoCoreError])  # type: ignore[untyped-decorator]
    def _storage_down(error: Exception) -> Response[str]:
        # DynamoDB still failing after boto3's own retries (throttling, timeouts, 5xx). Every write is
        # idempotent by its client id, so telling the client to retry is safe.
        logger.exception("storage unavailable")
        detail = "The data store is busy or unreachable; retry the request with the same id."
        return problem(503, "unavailable", "Service temporarily unavailable", detail)

    @app.not_found
    def _no_route(_: Exception) -> Response[str]:
        return problem(404, "not_found", "Not found", "No such route.")

    return app


def required_scope(path: str) -> str | None:
    if path.startswith(PUBLIC_PREFIXES) or PUBLIC_PATHS.match(path):
        return None
    return "admin" if path.startswith(ADMIN_PREFIX) else "storefront"


def caller(event: Mapping[str, Any]) -> dict[str, Any]:
    """What the authorizer attached to the request (scope, key_id, label), or {} when absent."""
    context = (event.get("requestContext") or {}).get("authorizer") or {}
    lambda_context = context.get("lambda") or {}
    return dict(lambda_context)


def check_scope(event: Mapping[str, Any]) -> None:
    need = required_scope(str(event.get("rawPath", "")))
    if need is None:
        return
    scope = caller(event).get("scope")
    if scope not in SCOPES_FOR["storefront"]:
        raise Unauthorized("Send 'Authorization: Bearer <key>' with a valid, unrevoked API key.")
    if scope not in SCOPES_FOR[need]:
        raise Forbidden(f"This route needs a key with scope '{need}'.")


def _check_body_encoding(event: Mapping[str, Any]) -> None:
    """A body that is not UTF-8 cannot be JSON: refuse it here, before the resolver decodes it."""
    body = event.get("body")
    if not body or not event.get("isBase64Encoded"):
        return
    try:
        base64.b64decode(body).decode("utf-8")
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidInput("body is not valid UTF-8 JSON", ["body"]) from error


def serve(app: APIGatewayHttpResolver, event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Enforce the key's scope before anything reads the body, then let the resolver answer."""
    try:
        check_scope(event)
        _check_body_encoding(event)
    except LoyaltyError as error:
        answer = error_response(error)
        return {
            "statusCode": answer.status_code,
            "body": answer.body,
            "isBase64Encoded": False,
            "headers": {"Content-Type": PROBLEM_JSON},
        }
    return app.resolve(event, context)
