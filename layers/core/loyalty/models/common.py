"""Building blocks shared by the API models: client ids, emails, strict scalars."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
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
