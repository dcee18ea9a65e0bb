"""The Shopify App Proxy: a Shopify theme calls ``/apps/<prefix>/<path>`` on the shop's own domain, and
Shopify forwards it to ``/v1/integrations/{connection_id}/proxy/<path>`` with the logged-in customer in
the query string, signed with the app's secret. A storefront with no server of its own gets the
``/v1/me`` views of that customer's member, and its redemptions, that way.

The route trusts the signature (loyalty.domain.app_proxy) under the connection's ``proxy_secret`` (the
app's client secret; absent, its webhook secret), signed within the last MAX_SKEW_SECONDS; nothing but
the verified ``logged_in_customer_id`` names the member, found by the link an order through this
connection made (loyalty.services.integrations.members). A bad or missing signature, or nobody logged
in: 401; a customer no order linked to a member: 404 ``member_not_found``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from loyalty.adapters import clock
from loyalty.domain import app_proxy
from loyalty.domain.errors import MemberNotFound, NotFound, Unauthorized
from loyalty.services import challenges, me
from loyalty.services.integrations import connections
from loyalty.store import integrations as integrations_store
from loyalty.store import member_reads

DEFAULT_LIMIT = 25
# ``{path}`` -> the /v1/me view it answers: "me" is /v1/me itself, the others /v1/me/<path>.
VIEWS: dict[str, Callable[[str, int, str | None], Any]] = {
    "me": lambda member_id, limit, cursor: me.me(member_id),
    "rewards": me.rewards_for,
    "redemptions": me.redemptions_page,
    "activity": me.activity_page,
    "ways-to-earn": lambda member_id, limit, cursor: me.ways_to_earn(member_id),
    "balance": lambda member_id, limit, cursor: me.balance(member_id),
    "challenges": lambda member_id, limit, cursor: challenges.page(member_id),
}


def proxy_key_id(connection_id: str) -> str:
    """What the writes made through a connection's App Proxy record as their ``key_id`` (no key made them)."""
    return f"proxy:{connection_id}"


def customer_member(connection_id: str, raw_query: str) -> str:
    """The member of the customer Shopify signed for. An unknown connection answers like a bad signature
    (the route says nothing of which connections exist)."""
    record, secret = connections.proxy_secret(connection_id)
    verified = app_proxy.verify(raw_query, secret) if record is not None and secret else None
    if record is None or record.platform != "shopify" or verified is None:
        raise Unauthorized("The request does not carry a valid Shopify App Proxy signature.")
    if not app_proxy.fresh(verified, int(clock.now().timestamp())):
        raise Unauthorized("The App Proxy signature is too old (or its timestamp is missing).")
    if verified.customer_id is None:
        raise Unauthorized("No customer is logged in to the shop.")
    member_id = integrations_store.member_by_customer(connection_id, verified.customer_id)
    if member_id is None:
        raise MemberNotFound("No order through this shop links the logged-in customer to a member yet.")
    state = member_reads.read(member_id, "none")
    if state is not None and state.member.merged_into is not None:
        return state.member.merged_into  # its provisional member was taken over by the owner of its email
    if state is None or state.member.status != "active":
        raise MemberNotFound("The logged-in customer's member no longer exists.")
    return member_id


def view(connection_id: str, path: str, raw_query: str, limit: int = DEFAULT_LIMIT, cursor: str | None = None) -> Any:
    """GET .../proxy/{path}: the /v1/me view ``path`` names, for the logged-in customer's member."""
    answer = VIEWS.get(path)
    if answer is None:
        raise NotFound(f"No view '{path}': one of {', '.join(sorted(VIEWS))}.")
    return answer(customer_member(connection_id, raw_query), limit, cursor)
