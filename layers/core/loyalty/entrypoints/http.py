"""API Gateway edge: the resolver every API function uses, scope enforcement, and the one place
that turns exceptions into problem+json answers.

Failures split in two. What a retry can fix (AWS throttling us, AWS's own 5xx, a transaction in the way,
a timeout or a dropped connection) answers 503 ``unavailable``: every write is idempotent by its client
id, so the client's retry is safe. Anything else (a request DynamoDB refuses as invalid, access denied,
an item too large, a missing table, a bug of ours) answers 500 ``internal_error``, logs its cause (the
exception's type, the AWS error code and where it was raised; never its message, which may quote the
request) and publishes ``InternalErrors``.

Why a metric and not a raised exception: Lambda's ``Errors`` metric counts only invocations that end in
a function error. A handler that answers, even with status 500, is a successful invocation; one that
raises makes API Gateway answer its own ``{"message": "Internal Server Error"}``, not the problem+json
the contract promises (and the runtime logs the exception's message). A Powertools exception handler
turns the exception into an answer, so Lambda never sees it either. So the handler answers, and
``InternalErrors`` (namespace Loyalty, dimension ``service``) stands in for the Errors the invocation
cannot report: template.yaml's FunctionErrorsAlarm adds it to the functions' Errors, and
ApiServerErrorsAlarm sees the same answers as API 5xx.
"""

from __future__ import annotations

import base64
import inspect
import json
import re
import traceback
from collections.abc import Callable, Mapping
from typing import Any

from aws_lambda_powertools import Logger, single_metric
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.event_handler.middlewares.openapi_validation import OpenAPIRequestValidationMiddleware
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.metrics.exceptions import SchemaValidationError
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import BotoCoreError, ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as AwsConnectionError

from loyalty.domain.errors import (
    Conflict,
    Contended,
    Forbidden,
    InvalidInput,
    LoyaltyError,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    Unauthorized,
)
from loyalty.entrypoints import access, media_types
from loyalty.entrypoints.access import check_scope
from loyalty.models.common import read_json

JSON = media_types.JSON
PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://loyalty.dev/problems/"

# Who may call which route (keys, member tokens, public routes): loyalty.entrypoints.access.
PUBLIC_PATHS = access.PUBLIC_PATHS
caller = access.caller  # the routes read who check_scope found calling through this module

# AWS error codes a later attempt can succeed with: throttling, the service's own failures, a
# transaction holding the item. (A ClientError with an HTTP status of 500 or more is one too.)
RETRYABLE_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "Throttling",
        "RequestLimitExceeded",
        "RequestThrottled",
        "TooManyRequestsException",
        "InternalServerError",
        "InternalFailure",
        "InternalError",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "TransactionConflictException",
        "TransactionInProgressException",
    }
)
# TransactionCanceledException reasons a retry can fix; any other reason (ValidationError, a condition
# the store did not expect to fail) is ours to fix.
RETRYABLE_CANCELLATIONS = frozenset(
    {"None", "TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded", "RequestLimitExceeded"}
)
# A body nested deeper than this is refused before anything parses it: no request of the contract nests
# past 5, and json.loads (which the resolver calls) recurses once per level.
MAX_BODY_DEPTH = 64
# The HTTP status of each kind of failure the domain names (the one place errors meet the protocol). An
# error takes the status of the first of its classes listed here, most specific first along its MRO, so a
# new code of a known kind (a new Conflict) needs no row; the ``code`` in the body is the error's own.
STATUS_FOR: dict[type[LoyaltyError], int] = {
    Unauthorized: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    PayloadTooLarge: 413,
    RateLimited: 429,
    media_types.UnsupportedMediaType: 415,
    InvalidInput: 422,
    Contended: 503,
    LoyaltyError: 400,
}
INTERNAL_ERRORS_METRIC = "InternalErrors"

type RouteFunction = Callable[..., Any]
_ROUTE = inspect.signature(APIGatewayHttpResolver.route)

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


def status_of(error: LoyaltyError) -> int:
    return next(STATUS_FOR[kind] for kind in type(error).__mro__ if kind in STATUS_FOR)


def error_response(error: LoyaltyError) -> Response[str]:
    errors = None
    if isinstance(error, InvalidInput):
        # An InvalidInput that found several problems lists them all (services.program.ContradictsDeployment).
        errors = getattr(error, "errors", None) or [{"loc": error.loc, "msg": error.detail}]
    answer = problem(status_of(error), error.code, error.title, error.detail, errors)
    if isinstance(error, RateLimited):
        answer.headers["Retry-After"] = str(error.retry_after)
    return answer


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


class PreCheckedValidation(OpenAPIRequestValidationMiddleware):
    """The request pre-checks (pre_check), as the middleware that runs first on every request, the 404
    too, followed by Powertools' request validation.

    Powertools runs its request validation before every middleware given to ``app.use`` or to a route
    (Route._build_middleware_stack), and the contract's order is the other way round: a request without a
    key answers 401 whatever its body, and a Content-Type or a body the parser must not read is refused
    before validation reads it. So the pre-checks take the validation middleware's place and call it.
    What they raise is answered by the resolver's exception handlers, like any route's error.
    """

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # Powertools leaves it untyped

    def handler(self, app: ApiGatewayResolver, next_middleware: NextMiddleware) -> Response[Any]:
        pre_check(app.current_event.raw_event)
        answer: Response[Any] = super().handler(app, next_middleware)
        return answer


class Resolver(APIGatewayHttpResolver):
    """Powertools' HTTP API resolver where a route that names no OpenAPI tags takes ``tags``: a function's
    routes mostly share theirs."""

    def __init__(self, tags: list[str] | None = None) -> None:
        super().__init__(enable_validation=True, json_body_deserializer=read_json)
        self._tags = tags

    def route(self, *args: Any, **kwargs: Any) -> Callable[[RouteFunction], RouteFunction]:  # type: ignore[override]
        if self._tags is not None:  # app.get(...) and the others pass route's arguments by position
            bound = _ROUTE.bind(self, *args, **kwargs)
            bound.arguments["tags"] = bound.arguments.get("tags") or self._tags
            args, kwargs = bound.args[1:], bound.kwargs
        register: Callable[[RouteFunction], RouteFunction] = super().route(*args, **kwargs)
        return register


def resolver(tags: list[str] | None = None) -> APIGatewayHttpResolver:
    """An HTTP API resolver that checks the key, the Content-Type and the body first (PreCheckedValidation),
    validates requests with pydantic and answers errors as problem+json; ``tags`` are the OpenAPI tags of a
    route that names none."""
    app = Resolver(tags)
    app._request_validation_middleware = PreCheckedValidation()  # private in Powertools: see PreCheckedValidation

    @app.exception_handler(RequestValidationError)  # type: ignore[untyped-decorator]
    def _invalid(error: RequestValidationError) -> Response[str]:
        errors = _validation_errors(error)
        detail = "; ".join(f"{'.'.join(str(p) for p in item['loc'])}: {item['msg']}" for item in errors)
        return problem(422, "validation_error", "Request validation failed", detail, errors)

    @app.exception_handler(LoyaltyError)  # type: ignore[untyped-decorator]
    def _known(error: LoyaltyError) -> Response[str]:
        return error_response(error)

    @app.exception_handler([ClientError, BotoCoreError])  # type: ignore[untyped-decorator]
    def _aws_failed(error: Exception) -> Response[str]:
        # AWS still failing after boto3's own retries. Only what a retry can fix is the client's to retry.
        if retryable(error):
            logger.warning("storage unavailable", extra=failure_cause(error))
            return unavailable()
        return internal_error(error)

    @app.not_found
    def _no_route(_: Exception) -> Response[str]:
        return problem(404, "not_found", "Not found", "No such route.")

    return app


def error_code(error: BaseException) -> str | None:
    """The AWS error code of a ClientError (``ValidationException``, ...), else None."""
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code") or "") or None
    return None


def retryable(error: BaseException) -> bool:
    """True for what a retry can fix: throttling, AWS's 5xx, transaction conflicts, timeouts, lost connections."""
    if isinstance(error, (AwsConnectionError, HTTPClientError)):
        return True  # EndpointConnectionError, ConnectTimeoutError, ReadTimeoutError, ConnectionClosedError...
    if not isinstance(error, ClientError):
        return False
    code = error_code(error)
    if code in RETRYABLE_CODES:
        return True
    if code == "TransactionCanceledException":
        reasons = error.response.get("CancellationReasons") or []
        codes = {str(reason.get("Code")) for reason in reasons}
        return bool(codes - {"None"}) and codes <= RETRYABLE_CANCELLATIONS
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return isinstance(status, int) and status >= 500


def failure_cause(error: BaseException) -> dict[str, Any]:
    """What a log line may say about a failure: its type, the AWS error code and operation, and where it
    was raised (file, line, function). Never the message: it can quote the request (a key, an email)."""
    cause: dict[str, Any] = {"error_type": type(error).__name__}
    code = error_code(error)
    if code is not None:
        cause["aws_error_code"] = code
        cause["aws_operation"] = getattr(error, "operation_name", None)
    frames = traceback.extract_tb(error.__traceback__)[-5:]
    cause["raised_at"] = [f"{frame.filename.rsplit('/', 2)[-1]}:{frame.lineno} {frame.name}" for frame in frames]
    return cause


def count_internal_error() -> None:
    """One InternalErrors data point, printed at once (EMF): it does not wait for the handler's flush."""
    try:
        with single_metric(name=INTERNAL_ERRORS_METRIC, unit=MetricUnit.Count, value=1):
            pass
    except SchemaValidationError:  # no namespace configured (POWERTOOLS_METRICS_NAMESPACE): the log line remains
        logger.warning("InternalErrors not published: no metrics namespace")


def unavailable() -> Response[str]:
    detail = "The data store is busy or unreachable; retry the request with the same id."
    return problem(503, "unavailable", "Service temporarily unavailable", detail)


def internal_error(error: BaseException) -> Response[str]:
    """A 500 problem+json for a failure a retry cannot fix; logged with its cause and counted."""
    logger.error("internal error", extra=failure_cause(error))
    count_internal_error()
    detail = "The request failed on our side and was not applied; retrying it will not help until we fix it."
    return problem(500, "internal_error", "Internal error", detail)


def accepted_media_types(path: str) -> frozenset[str]:
    """The Content-Types a route takes (loyalty.entrypoints.media_types): JSON everywhere; the one-click
    unsubscribe also the forms of RFC 8058, a platform's webhook also WooCommerce's form-encoded ping."""
    if path.startswith("/v1/unsubscribe/"):
        return media_types.UNSUBSCRIBE
    if PUBLIC_PATHS.match(path):
        return media_types.PLATFORM_WEBHOOK
    return media_types.JSON_ONLY


def _check_body(event: Mapping[str, Any]) -> None:
    """Refuse, before the resolver parses it, a body that is not UTF-8 (it cannot be JSON) or that nests
    deeper than MAX_BODY_DEPTH (json.loads would recurse through every level)."""
    body = event.get("body")
    if not body:
        return
    text = str(body)
    if event.get("isBase64Encoded"):
        try:
            text = base64.b64decode(body).decode("utf-8")
        except (ValueError, UnicodeDecodeError) as error:
            raise InvalidInput("body is not valid UTF-8 JSON", ["body"]) from error
    if nesting_exceeds(text, MAX_BODY_DEPTH):
        raise InvalidInput(f"body nests arrays and objects deeper than {MAX_BODY_DEPTH} levels", ["body"])


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


def nesting_exceeds(text: str, limit: int) -> bool:
    """True when the JSON text opens more than ``limit`` arrays or objects inside one another (brackets
    inside strings do not count). Linear in the text, and no recursion."""
    if text.count("[") + text.count("{") <= limit:
        return False
    depth = 0
    for bracket in _BRACKET.finditer(_JSON_STRING.sub("", text)):
        if bracket.group() in "[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def pre_check(event: dict[str, Any]) -> None:
    """Check the key (or member token) and its scope in this function (no authorizer runs before it), then
    the Content-Type (accepted_media_types) and the body before anything parses them. A request without a
    key is refused first, having read nothing from DynamoDB."""
    check_scope(event)
    media_types.check(event.get("headers"), accepted_media_types(str(event.get("rawPath", ""))))
    access.require_json(event)
    if isinstance(event.get("headers"), dict):
        media_types.normalise(event["headers"])
    _check_body(event)


def _as_result(answer: Response[str]) -> dict[str, Any]:
    return {
        "statusCode": answer.status_code,
        "body": answer.body,
        "isBase64Encoded": False,
        "headers": {"Content-Type": PROBLEM_JSON},
    }


def serve(app: APIGatewayHttpResolver, event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Let the resolver answer: its first middleware pre-checks the request (PreCheckedValidation).

    An exception no handler of the resolver takes (a bug) still answers problem+json: 500
    ``internal_error``, logged and counted as ``InternalErrors`` (see the module docstring).
    """
    try:
        return app.resolve(event, context)
    except Exception as error:  # the resolver's handlers took every failure the contract names
        if isinstance(error, (ClientError, BotoCoreError)) and retryable(error):
            return _as_result(unavailable())
        return _as_result(internal_error(error))
