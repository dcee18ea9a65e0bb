"""Which member a platform's customer is: by email or by the platform's customer id, enrolling them
when the connection says ``auto_enroll`` (through the members service, like any enrollment).

A member enrolled here is provisional (docs/members.md, "Provisional members"): a platform tells us an
address a shopper typed, never that the shopper owns it. That holds for guest checkouts and for
customer accounts alike (Shopify and WooCommerce create accounts without confirming the address), so
every automatic enrollment is provisional: whoever enrolls the email through the API later takes the
member over, points, lots, tier and history, and its customer link then leads to that member."""

from __future__ import annotations

import hashlib
import re
import secrets

from loyalty.domain.errors import EmailTaken, InvalidInput, MemberErased, MemberExists
from loyalty.models.common import CLIENT_ID_PATTERN
from loyalty.models.member import EnrollRequest
from loyalty.services import members
from loyalty.services.integrations.mapping import Customer
from loyalty.store import integrations as store
from loyalty.store.integrations import ConnectionRecord

MAX_MEMBER_ID = 64


def derived_member_id(connection_id: str, customer_id: str) -> str:
    """The member id an auto-enrolled customer gets: readable, stable, valid as a client id."""
    candidate = f"{connection_id}:{customer_id}"
    if len(candidate) <= MAX_MEMBER_ID and _valid(candidate):
        return candidate
    return "cust:" + hashlib.sha256(f"{connection_id}\n{customer_id}".encode()).hexdigest()[:40]


def _valid(member_id: str) -> bool:
    return re.match(CLIENT_ID_PATTERN, member_id) is not None


def _email(customer: Customer) -> str | None:
    return customer.email.strip().lower() if customer.email and customer.email.strip() else None


def member_for(connection: ConnectionRecord, customer: Customer) -> str | None:
    """The member to credit, or None (not a member, and not to be enrolled: nothing is credited)."""
    email = _email(customer)
    if connection.match_members_by == "customer_id":
        if customer.customer_id is None:
            return None  # a guest checkout has no customer id to match
        found = store.member_by_customer(connection.connection_id, customer.customer_id)
        if found is not None:
            return found
    elif email is not None:
        found = store.member_by_email(email)
        if found is not None:
            return _linked(connection, customer, found)
    if not connection.auto_enroll or email is None:
        return None
    if customer.customer_id is not None:
        member_id = derived_member_id(connection.connection_id, customer.customer_id)
    else:
        member_id = "guest:" + secrets.token_hex(12)  # a retry finds the member by email before this
    enrolled = _enroll(member_id, email, customer.name)
    if connection.match_members_by == "customer_id" and customer.customer_id is not None and enrolled:
        return store.link_customer(connection.connection_id, customer.customer_id, enrolled)
    return _linked(connection, customer, enrolled)


def _linked(connection: ConnectionRecord, customer: Customer, member_id: str | None) -> str | None:
    """A Shopify customer matched by email is linked to its member too: the App Proxy names the shopper
    by customer id only (loyalty.services.app_proxy). One read once linked; the first link stays."""
    customer_id = customer.customer_id
    if member_id is None or customer_id is None or connection.platform != "shopify":
        return member_id
    if store.member_by_customer(connection.connection_id, customer_id) is None:
        store.link_customer(connection.connection_id, customer_id, member_id)
    return member_id


def _enroll(member_id: str, email: str, name: str | None) -> str | None:
    try:
        request = EnrollRequest(member_id=member_id, email=email, name=name)
    except ValueError:
        return None  # an email our API would not accept: the customer cannot become a member
    try:
        members.enroll(request, provisional=True)
    except EmailTaken:
        return store.member_by_email(email)  # the shopper is a member already, under another id
    except MemberExists:
        return member_id  # enrolled earlier under this id, since with another email: still them
    except MemberErased:
        return None  # enrolled under this id once, then erased: not enrolled again by a shop
    except InvalidInput:
        return None
    return member_id
