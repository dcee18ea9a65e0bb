"""Building blocks shared by the API models: the base classes, client ids, emails, strict scalars."""

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
# The largest integer a JavaScript client reads exactly: no figure of the API goes beyond it.
MAX_SAFE_INTEGER = 2**53 - 1
CLIENT_ID_PATTERN = rf"^[A-Za-z0-9._:-]{{1,{CLIENT_ID_MAX}}}$"
ClientId = Annotated[str, Field(pattern=CLIENT_ID_PATTERN, min_length=1, max_length=CLIENT_ID_MAX)]

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


def decimal_schema(
    pattern: str, *, minimum: float, exclusive: bool, maximum: float | None = None, description: str | None = None
) -> WithJsonSchema:
    """What the document says of such a decimal: a number in its bounds, or a string of its pattern. The
    same schema in and out (what the server answers is always one of the two), so a model holding one
    is one schema in the document, not a -Input and an -Output of the same title, which generated
    clients cannot tell apart."""
    number: dict[str, Any] = {"type": "number", ("exclusiveMinimum" if exclusive else "minimum"): minimum}
    if maximum is not None:
        number["maximum"] = maximum
    schema: dict[str, Any] = {"anyOf": [number, {"type": "string", "pattern": pattern}]}
    if description is not None:
        schema["description"] = description
    return WithJsonSchema(schema)


def exact_decimal(
    pattern: str, *, minimum: float, exclusive: bool, maximum: float | None = None, description: str | None = None
) -> tuple[Any, ...]:
    """The metadata of an exact decimal, its pattern and bounds given once: what it takes in
    (``decimal_input``), the bounds it is validated against, and what the document says of it
    (``decimal_schema``). Used as ``Annotated[Decimal, *exact_decimal(...), <its serializer>]``."""
    return (
        decimal_input(pattern),
        Field(gt=minimum if exclusive else None, ge=None if exclusive else minimum, le=maximum, allow_inf_nan=False),
        decimal_schema(pattern, minimum=minimum, exclusive=exclusive, maximum=maximum, description=description),
    )


def one_of(values: Iterable[str], names: Iterable[str] | None = None) -> JsonDict:
    """JSON Schema for a string that must be one of ``values`` (the document lists them); ``names``, the
    constant each value gets in a generated client (``x-enum-varnames``), where deriving it from the
    value would give two values one name."""
    schema: JsonDict = {"enum": list[JsonValue](values)}
    if names is not None:
        schema["x-enum-varnames"] = list[JsonValue](names)
    return schema


def not_null(*fields: str) -> dict[str, Any]:
    """JSON Schema for "each of these fields is present and not null" (cross-field rules of a body)."""
    return {"required": list(fields), "properties": {name: {"not": {"type": "null"}} for name in fields}}


class Model(BaseModel):
    """The base of every model of the layer. Validators are built on a model's first use, not when its
    module is imported: building them all at import cost each function 20-30 ms of init for models it
    may never use in that process (the Orders function imports Program, Reward, Member...)."""

    model_config = ConfigDict(defer_build=True)


def from_record[M: BaseModel](model: type[M], record: object, **more: Any) -> M:
    """``model`` from a stored record: each field the record has an attribute of the same name for (and
    only those: a record may hold what a view never shows, such as a secret), plus ``more``; pydantic
    converts as it validates (an ISO 8601 string to a datetime)."""
    fields = {name: getattr(record, name) for name in model.model_fields if hasattr(record, name)}
    return model.model_validate({**fields, **more})


class ApiModel(Model):
    """Every request body rejects unknown fields, so a typo never passes silently."""

    model_config = ConfigDict(extra="forbid")


class Page[T](Model):
    """A page of a list: ``next_cursor`` is opaque and ``None`` on the last page."""

    items: list[T]
    next_cursor: str | None
