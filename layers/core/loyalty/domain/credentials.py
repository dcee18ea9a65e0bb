"""The value of an ``Authorization: Bearer <value>`` header, by its shape alone.

Pure and without I/O: a header refused here (missing, another scheme, no value) costs the route nothing,
not even a DynamoDB read. Which credential the value is (an API key: loyalty.services.api_keys; a member
token: loyalty.domain.member_tokens) is each one's own shape check.
"""

from __future__ import annotations


def bearer(authorization: str | None) -> str | None:
    """The value after ``Bearer`` (any case), stripped; None for no header, another scheme or no value."""
    if not authorization:
        return None
    scheme, _, rest = authorization.strip().partition(" ")
    value = rest.strip()
    if scheme.lower() != "bearer" or not value:
        return None
    return value
