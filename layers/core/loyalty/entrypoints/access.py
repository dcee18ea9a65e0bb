"""Who may call which route, checked by the route's own function: there is no Lambda authorizer, so a
request runs one function (docs/architecture.md, "One function per request").

Three kinds of caller. An API key (scope ``storefront`` or ``admin``) calls every route outside
``/v1/me``; admin routes need ``admin``. A member token (scope ``member``: loyalty.services.member_tokens)
calls the ``/v1/me`` routes only, for its own member. Nobody is needed for the public routes: the health
check, the one-click unsubscribe (its link is signed), a platform's webhooks (the platform's HMAC over
the body) and the Shopify App Proxy (Shopify's signature over the query string).

No key, an unknown, revoked or tampered one: 401 ``unauthorized``; an expired token: 401
``token_expired`` (the widget asks for a new one); a key on ``/v1/me``, a token anywhere else, or a
scope too small: 403 ``forbidden``.

How check_scope finds the caller, before anything else reads the request (loyalty.entrypoints.http):

- on a key's route, a bearer value with a member token's shape is refused (403) as it is, unverified: a
  token opens no route but ``/v1/me`` whatever its signature, and verifying it would give every function
  the token keys (Secrets Manager) for nothing. Any other value is resolved as a key
  (loyalty.services.api_keys): no read at all for a value that is not a key's shape, else one cached
  GetItem per key per ``AUTH_CACHE_SECONDS`` in a warm function;
- on ``/v1/me``, the token is verified (its keys from Secrets Manager, cached; no table read); a key
  there is resolved as above, which tells a valid key (403) from no key (401).

What it found is left on the event (``CALLER``) for the route: the key's id and label, recorded on every
write, or the token's member. API Gateway never puts that entry in an event, so a request cannot bring it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from loyalty.domain import credentials
from loyalty.domain.errors import Forbidden, TokenExpired, Unauthorized
from loyalty.entrypoints import lazy, media_types
from loyalty.entrypoints.observability import logger

if TYPE_CHECKING:
    from loyalty.domain import member_tokens as tokens
    from loyalty.services import api_keys, member_tokens
else:  # imported on a request's first check, not at init (a cold start): see loyalty.entrypoints.lazy
    api_keys = lazy.module("loyalty.services.api_keys")
    member_tokens = lazy.module("loyalty.services.member_tokens")
    tokens = lazy.module("loyalty.domain.member_tokens")

# Routes anyone may call; every other route needs a key (or, under /v1/me, a member token).
PUBLIC_PREFIXES = ("/v1/health", "/v1/unsubscribe/")
# A commerce platform's webhooks: authenticated by the platform's HMAC over the body, not by a key.
PUBLIC_PATHS = re.compile(r"^/v1/integrations/[^/]+/webhooks$")
# The Shopify App Proxy: authenticated by Shopify's signature over the query string, not by a key.
PROXY_PATHS = re.compile(r"^/v1/integrations/[^/]+/proxy/[^/]+$")
ADMIN_PREFIX = "/v1/admin/"
MEMBER_PATH = "/v1/me"
SCOPES_FOR = {"storefront": frozenset({"storefront", "admin"}), "admin": frozenset({"admin"})}
KEY_SCOPES = SCOPES_FOR["storefront"]
# Where check_scope leaves the caller it found, on the request's event.
CALLER = "loyalty.caller"
TOKEN_NOT_HERE = "A member token opens its member's /v1/me routes only; this route needs an API key."  # noqa: S105 - a message


def required_scope(path: str) -> str | None:
    """``admin``, ``storefront``, ``member`` (a member token), or None (public)."""
    if path.startswith(PUBLIC_PREFIXES) or PUBLIC_PATHS.match(path) or PROXY_PATHS.match(path):
        return None
    if path == MEMBER_PATH or path.startswith(MEMBER_PATH + "/"):
        return "member"
    return "admin" if path.startswith(ADMIN_PREFIX) else "storefront"


def caller(event: Mapping[str, Any]) -> dict[str, Any]:
    """Who check_scope found calling (scope, key_id, label; or a token's member_id, token_scope...), or {}
    on a public route."""
    found = event.get(CALLER) or {}
    return dict(found)


def key_holder(authorization: str | None) -> dict[str, str]:
    """The scope, id and label of the API key in the header, or ``scope: none`` (no key, another scheme, a
    value that is not a key's shape, an unknown or revoked key)."""
    record = api_keys.resolve(authorization)
    if record is None:
        return {"scope": "none"}
    # Which key called, for the audit trail (its id and scope; never the key, which is not kept).
    logger.debug("key resolved", extra={"key_id": record.key_id, "scope": record.scope})
    return {"scope": record.scope, "key_id": record.key_id, "label": record.label}


def identify(authorization: str | None, need: str) -> dict[str, str]:
    """Who the Authorization header says is calling a route that needs ``need`` (see the module docstring)."""
    if need == "member":
        token = member_tokens.token_caller(authorization)
        return token if token is not None else key_holder(authorization)
    value = credentials.bearer(authorization)
    if value is not None and tokens.looks_like_token(value):
        raise Forbidden(TOKEN_NOT_HERE)
    return key_holder(authorization)


def check_scope(event: MutableMapping[str, Any]) -> None:
    """Find the caller (identify), leave it on the event for the route, and refuse it (401, 403) when it
    may not call this route."""
    need = required_scope(str(event.get("rawPath", "")))
    if need is None:
        return
    who = identify((event.get("headers") or {}).get("authorization"), need)
    event[CALLER] = who
    scope = who.get("scope")
    if scope == "member":
        if need != "member":
            raise Forbidden(TOKEN_NOT_HERE)
        return
    if scope not in KEY_SCOPES:
        if who.get("reason") == "token_expired":
            raise TokenExpired("The member token has expired: ask the shop's server for a new one.")
        if need == "member":
            raise Unauthorized("Send 'Authorization: Bearer <member token>' with a valid member token.")
        raise Unauthorized("Send 'Authorization: Bearer <key>' with a valid, unrevoked API key.")
    if need == "member":
        raise Forbidden("The /v1/me routes take a member token (POST /v1/members/{member_id}/tokens), not a key.")
    if scope not in SCOPES_FOR[need]:
        raise Forbidden(f"This route needs a key with scope '{need}'.")


@dataclass(frozen=True)
class MemberCaller:
    """The member a token acts for, and the API key that asked for the token (its writes record it)."""

    member_id: str
    key_id: str | None


def member(event: Mapping[str, Any], needs: str = "read") -> MemberCaller:
    """The token's member, when the token has scope ``needs`` (403 otherwise). check_scope has run: a
    request reaching a /v1/me route carries a verified token."""
    who = caller(event)
    if who.get("scope") != "member" or not who.get("member_id"):
        raise Unauthorized("Send 'Authorization: Bearer <member token>' with a valid member token.")
    if needs not in str(who.get("token_scope", "")).split():
        raise Forbidden(f"This member token lacks scope '{needs}'.")
    return MemberCaller(str(who["member_id"]), str(who.get("key_id") or "") or None)


def require_json(event: Mapping[str, Any]) -> None:
    """A write through the Shopify App Proxy must say its body is JSON: a page on another site can post
    a form, or text with a fetch that needs no CORS preflight, to the shop's /apps/ path with the
    shopper's cookies (Shopify signs whatever reaches it), but not that type. Other routes also take a
    body without a Content-Type; a browser there has no credential of the shopper to send."""
    method = ((event.get("requestContext") or {}).get("http") or {}).get("method")
    if method not in ("POST", "PUT", "PATCH") or not PROXY_PATHS.match(str(event.get("rawPath", ""))):
        return
    if media_types.content_type(event.get("headers")) is None:
        raise media_types.UnsupportedMediaType("This route takes application/json only: send that Content-Type.")
