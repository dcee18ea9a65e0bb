"""Who may call which route: the scope each path needs, checked against what the authorizer attached.

Three kinds of caller. An API key (scope ``storefront`` or ``admin``) calls every route outside
``/v1/me``; admin routes need ``admin``. A member token (scope ``member``: loyalty.services.member_tokens)
calls the ``/v1/me`` routes only, for its own member. Nobody is needed for the public routes: the health
check, the one-click unsubscribe (its link is signed), a platform's webhooks (the platform's HMAC over
the body) and the Shopify App Proxy (Shopify's signature over the query string).

No key, an unknown, revoked or tampered one: 401 ``unauthorized``; an expired token: 401
``token_expired`` (the widget asks for a new one); a key on ``/v1/me``, a token anywhere else, or a
scope too small: 403 ``forbidden``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from loyalty.domain.errors import Forbidden, TokenExpired, Unauthorized
from loyalty.entrypoints import media_types

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


def required_scope(path: str) -> str | None:
    """``admin``, ``storefront``, ``member`` (a member token), or None (public)."""
    if path.startswith(PUBLIC_PREFIXES) or PUBLIC_PATHS.match(path) or PROXY_PATHS.match(path):
        return None
    if path == MEMBER_PATH or path.startswith(MEMBER_PATH + "/"):
        return "member"
    return "admin" if path.startswith(ADMIN_PREFIX) else "storefront"


def caller(event: Mapping[str, Any]) -> dict[str, Any]:
    """What the authorizer attached to the request (scope, key_id, label...), or {} when absent."""
    context = (event.get("requestContext") or {}).get("authorizer") or {}
    lambda_context = context.get("lambda") or {}
    return dict(lambda_context)


def check_scope(event: Mapping[str, Any]) -> None:
    need = required_scope(str(event.get("rawPath", "")))
    if need is None:
        return
    who = caller(event)
    scope = who.get("scope")
    if scope == "member":
        if need != "member":
            raise Forbidden("A member token opens its member's /v1/me routes only; this route needs an API key.")
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
