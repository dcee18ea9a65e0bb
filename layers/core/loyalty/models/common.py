"""Building blocks shared by the API models: the base classes, client ids, emails, strict scalars."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StrictBool,
    StrictInt,
    WithJsonSchema,
)

CLIENT_ID_PATTERN = r"^[A-Za-z0-9._:-]{1,64}$"

# Client-chosen ids (member_id, order_id, ...): 1-64 characters of [A-Za-z0-9._:-].
ClientId = Annotated[str, Field(pattern=CLIENT_ID_PATTERN, min_length=1, max_length=64)]

# An email address as the API takes it: ASCII, a dot-atom local part of at most 64 characters (RFC 5321
# 4.5.3.1), and a domain of two labels or more whose last one starts with a letter. It is the
# "format: email" of the OpenAPI document narrowed to what mail is really sent to (no quoted local parts,
# no IP address literals, no single-label hosts), and the document publishes this very pattern, so the
# API accepts exactly the addresses its document calls valid: email-validator, used before, also refused
# special-use domains such as *.test that the document allowed. ASCII only, because SES, which sends the
# program's emails, does not take non-ASCII local parts (an internationalised domain is written in its
# xn-- form). No DNS check: deliverability is SES's bounce handling, not a request's. It is also a plain
# regular expression compiled once (email-validator spent 20-30 ms of every function's init compiling
# its own). The pattern is ECMA-262 as well as Python, so the document's readers can use it as it is.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_TOP_LABEL = r"[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
EMAIL_PATTERN = rf"^(?=[^@]{{1,64}}@){_ATEXT}+(?:\.{_ATEXT}+)*@(?:{_LABEL}\.)+{_TOP_LABEL}$"
EMAIL_MAX_LENGTH = 254  # RFC 5321's longest forward path, less its angle brackets
_EMAIL = re.compile(EMAIL_PATTERN)


def _email(value: str) -> str:
    # fullmatch: with match or search, "$" would also accept a trailing newline.
    if not _EMAIL.fullmatch(value):
        # The address is not quoted back: error details reach logs, and an address is personal data.
        raise ValueError("not a valid email address")
    return value.lower()


# Emails are unique per program in their lower-cased form.
Email = Annotated[
    str,
    Field(max_length=EMAIL_MAX_LENGTH),
    AfterValidator(_email),
    WithJsonSchema({"type": "string", "format": "email", "maxLength": EMAIL_MAX_LENGTH, "pattern": EMAIL_PATTERN}),
]


def rfc3339(moment: datetime) -> str:
    """RFC 3339 in UTC with millisecond precision and a ``Z``: the one time format the API shows."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


Timestamp = Annotated[AwareDatetime, PlainSerializer(rfc3339, return_type=str)]

_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def _rfc3339_text(value: object) -> object:
    """Inputs must be RFC 3339 text with an offset: pydantic alone would also take a Unix time."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _RFC3339.match(value):
        raise ValueError("must be an RFC 3339 time with an offset, e.g. 2026-11-22T10:00:00Z")
    return value


# An input time: RFC 3339 with an offset, nothing else.
Rfc3339 = Annotated[AwareDatetime, BeforeValidator(_rfc3339_text)]

# JSON true/false only: "yes" or 1 must not silently become a boolean.
Bool = StrictBool
Int = StrictInt


class Model(BaseModel):
    """The base of every model of the layer. Validators are built on a model's first use, not when its
    module is imported: building them all at import cost each function 20-30 ms of init for models it
    may never use in that process (the Orders function imports Program, Reward, Member...)."""

    model_config = ConfigDict(defer_build=True)


class ApiModel(Model):
    """Every request body rejects unknown fields, so a typo never passes silently."""

    model_config = ConfigDict(extra="forbid")


class Page[T](Model):
    """A page of a list: ``next_cursor`` is opaque and ``None`` on the last page."""

    items: list[T]
    next_cursor: str | None
