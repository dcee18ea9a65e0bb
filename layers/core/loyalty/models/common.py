"""Building blocks shared by the API models: client ids, emails, strict scalars."""

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
    EmailStr,
    Field,
    PlainSerializer,
    StrictBool,
    StrictInt,
)

CLIENT_ID_PATTERN = r"^[A-Za-z0-9._:-]{1,64}$"

# Client-chosen ids (member_id, order_id, ...): 1-64 characters of [A-Za-z0-9._:-].
ClientId = Annotated[str, Field(pattern=CLIENT_ID_PATTERN, min_length=1, max_length=64)]

# Emails are unique per program in their lower-cased form.
Email = Annotated[EmailStr, Field(max_length=254), AfterValidator(lambda value: value.lower())]


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


class ApiModel(BaseModel):
    """Every request body rejects unknown fields, so a typo never passes silently."""

    model_config = ConfigDict(extra="forbid")


class Page[T](BaseModel):
    """A page of a list: ``next_cursor`` is opaque and ``None`` on the last page."""

    items: list[T]
    next_cursor: str | None
