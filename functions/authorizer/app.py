"""HTTP API Lambda authorizer (payload 2.0, simple responses).

It never denies: it tells the route which scope the key has ("none" for a missing, malformed, unknown or
revoked key), and the handlers answer 401/403 as problem+json, which API Gateway's own denial cannot do.
The check itself is loyalty.services.api_keys.resolve, which a route function can call as well: a header
that is not a well-formed key costs no read, a well-formed one at most one per AUTH_CACHE_SECONDS (4), and
a revoked key is refused within 5 seconds (docs/security.md).

A member token (a JWT: loyalty.services.member_tokens) is checked here too, with no DynamoDB read: scope
``member`` with its member and scopes, or ``none`` with ``reason: token_expired`` when it has expired.
"""

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from loyalty.entrypoints import lazy
from loyalty.entrypoints.observability import logger, observed

if TYPE_CHECKING:
    from loyalty.services import api_keys, member_tokens
else:  # imported on first use: see loyalty.entrypoints.lazy
    api_keys = lazy.module("loyalty.services.api_keys")
    member_tokens = lazy.module("loyalty.services.member_tokens")


def authorize(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    headers = event.get("headers") or {}
    token = member_tokens.authorizer_context(headers.get("authorization"))
    if token is not None:
        logger.debug("member token", extra={"scope": token["scope"], "token_id": token.get("token_id")})
        return {"isAuthorized": True, "context": token}
    record = api_keys.resolve(headers.get("authorization"))
    if record is None:
        return {"isAuthorized": True, "context": {"scope": "none"}}
    logger.debug("key resolved", extra={"key_id": record.key_id, "scope": record.scope})
    return {
        "isAuthorized": True,
        "context": {"scope": record.scope, "key_id": record.key_id, "label": record.label},
    }


# It publishes no metric.
handler = observed(authorize, measured=False)
