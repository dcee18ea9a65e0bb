"""Building blocks shared by the API models: client ids, emails, strict scalars."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

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
    WithJsonSchema,
)
from pydantic.config import JsonDict, JsonValue

# Client-chosen ids (member_id, order_id, ...): 1-128 characters of [A-Za-z0-9._:-]. Real platforms' ids
# run past 64 (a Stripe checkout session id has 66 characters, a Square refund id 73).
CLIENT_ID_MAX = 128
CLIENT_ID_PATTERN = rf"^[A-Za-z0-9._:-]{{1,{CLIENT_ID_MAX}}}$"
ClientId = Annotated[str, Field(pattern=CLIENT_ID_PATTERN, min_length=1, max_length=CLIENT_ID_MAX)]

# Emails are unique per program in their lower-cased form.
Email = Annotated[EmailStr, Field(max_length=254), AfterValidator(lambda value: value.lower())]


def _number(text: str) -> int | float:
    """A JSON number with a fraction or an exponent: an int when it is a whole number (JSON Schema's
    integers include 5.0 and 5e2), else a float."""
    value = float(text)
    return int(value) if value.is_integer() else value


def _no_constant(name: str) -> Any:
    raise json.JSONDecodeError(f"{name} is not JSON", name, 0)


def read_json(text: str | bytes) -> Any:
    """JSON as the API reads it: whole numbers are integers however they are written, and NaN or
    Infinity (which Python's json would take) are not JSON."""
    return json.loads(text, parse_float=_number, parse_constant=_no_constant)


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


# A JSON integer. JSON Schema counts 5.0 as an integer too: the API reads such a number as 5 (see
# read_json), so strict ints still refuse "5", true and 5.5.
Int = StrictInt


def decimal_input(pattern: str) -> BeforeValidator:
    """An exact decimal comes as a JSON number or as a decimal string matching ``pattern`` (which holds the
    same bounds as the number), so what the document calls valid the server takes, and the reverse."""
    compiled = re.compile(pattern)

    def check(value: object) -> object:
        if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
            raise ValueError("must be a number or a decimal string")
        if isinstance(value, str) and not compiled.fullmatch(value):
            raise ValueError(f"a decimal string must match {pattern}")
        return value

    return BeforeValidator(check)


def decimal_schema(pattern: str, *, minimum: float, exclusive: bool, maximum: float | None = None) -> WithJsonSchema:
    """What the document says of such a decimal: a number in its bounds, or a string of its pattern."""
    number: dict[str, Any] = {"type": "number", ("exclusiveMinimum" if exclusive else "minimum"): minimum}
    if maximum is not None:
        number["maximum"] = maximum
    return WithJsonSchema({"anyOf": [number, {"type": "string", "pattern": pattern}]}, mode="validation")


def one_of(values: Iterable[str]) -> JsonDict:
    """JSON Schema for a string that must be one of ``values`` (the document lists them)."""
    return {"enum": list[JsonValue](values)}


def not_null(*fields: str) -> dict[str, Any]:
    """JSON Schema for "each of these fields is present and not null" (cross-field rules of a body)."""
    return {"required": list(fields), "properties": {name: {"not": {"type": "null"}} for name in fields}}


class ApiModel(BaseModel):
    """Every request body rejects unknown fields, so a typo never passes silently."""

    model_config = ConfigDict(extra="forbid")


class Page[T](BaseModel):
    """A page of a list: ``next_cursor`` is opaque and ``None`` on the last page."""

    items: list[T]
    next_cursor: str | None
