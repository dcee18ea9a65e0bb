"""Which request bodies a route takes, judged by its ``Content-Type`` before anything reads the body.

Every route takes JSON (``application/json``, with no charset or ``charset=utf-8``: RFC 8259 JSON is
UTF-8) or no ``Content-Type`` at all. Two routes take more, because what calls them is not ours to change:
the one-click unsubscribe takes the form body mail apps send (RFC 8058 section 3.2: the POST content
``List-Unsubscribe=One-Click`` SHOULD be ``multipart/form-data`` and MAY be
``application/x-www-form-urlencoded``), and a platform's webhook takes WooCommerce's ping, a form body
(WordPress sends it as ``application/x-www-form-urlencoded; charset=<the blog's charset>``).

Anything else answers 415 ``validation_error`` (the contract's codes are fixed; 415 names the cause):
a header that is not a media type by RFC 9110's grammar (``application/json; charset=``, two types
joined by a comma, a bare word), a type the route does not take (``text/plain``, ``application/xml``),
JSON in another charset, or ``multipart/form-data`` without the ``boundary`` RFC 7578 requires. This is
checked on every route, with a body or without one, so a malformed or foreign type is never half-read
(Powertools' body parser raised on a multipart type without its boundary: a 500).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from loyalty.domain.errors import InvalidInput

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
MULTIPART_FORM = "multipart/form-data"
JSON_ONLY = frozenset({JSON})
# The one-click unsubscribe: the forms of RFC 8058, or JSON as every route takes it (its body is not read).
UNSUBSCRIBE = frozenset({JSON, FORM, MULTIPART_FORM})
# A platform's webhook: JSON from both platforms; WooCommerce's ping when a webhook is created is a form.
PLATFORM_WEBHOOK = frozenset({JSON, FORM})

# RFC 9110 section 8.3.1: media-type = type "/" subtype parameters; parameters = *( OWS ";" OWS [ parameter ] );
# parameter = token "=" ( token / quoted-string ).
_TCHARS = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_QUOTED = r'"(?:[^"\\\x00-\x08\x0a-\x1f\x7f]|\\[\x09\x20-\x7e\x80-\xff])*"'
_PARAMETER = rf"({_TCHARS})=({_TCHARS}|{_QUOTED})"
_MEDIA_TYPE = re.compile(rf"[ \t]*({_TCHARS})/({_TCHARS})((?:[ \t]*;[ \t]*(?:{_PARAMETER})?)*)[ \t]*")
_PARAMETERS = re.compile(rf";[ \t]*(?:{_PARAMETER})?")
UTF8 = frozenset({"utf-8", "utf8"})


class UnsupportedMediaType(InvalidInput):
    """415 (``http.STATUS_FOR``): the request's Content-Type is malformed or not one this route takes."""

    title = "Unsupported media type"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, ["header", "content-type"])


@dataclass(frozen=True)
class MediaType:
    essence: str  # type/subtype, lower case
    parameters: dict[str, str] = field(default_factory=dict)  # names lower case, values unquoted


def parse(value: str) -> MediaType | None:
    """The media type of a Content-Type value, or None when it is not one by RFC 9110's grammar."""
    found = _MEDIA_TYPE.fullmatch(value)
    if found is None:
        return None
    parameters = {}
    for parameter in _PARAMETERS.finditer(found.group(3)):
        name, raw = parameter.group(1), parameter.group(2)
        if name is None:
            continue  # an empty parameter ("type/subtype;") is allowed
        unquoted = re.sub(r"\\(.)", r"\1", raw[1:-1]) if raw.startswith('"') else raw
        parameters[name.lower()] = unquoted
    return MediaType(f"{found.group(1)}/{found.group(2)}".lower(), parameters)


def content_type(headers: Mapping[str, str] | None) -> str | None:
    """The request's Content-Type header (names are lower case in payload 2.0; others need not be)."""
    for name, value in (headers or {}).items():
        if name.lower() == "content-type":
            return str(value)
    return None


def normalise(headers: dict[str, str]) -> None:
    """Write an accepted JSON type as ``application/json``: the resolver's body parser compares it case by
    case (``Application/JSON`` is the same type, RFC 9110) and would answer its own 415 otherwise."""
    for name, value in headers.items():
        if name.lower() == "content-type":
            media = parse(value)
            if media is not None and media.essence == JSON:
                headers[name] = JSON


def check(headers: Mapping[str, str] | None, accepts: frozenset[str] = JSON_ONLY) -> None:
    """Raise UnsupportedMediaType unless the Content-Type is absent or one ``accepts`` names, well-formed."""
    value = content_type(headers)
    if value is None:
        return
    takes = " or ".join(sorted(accepts))
    media = parse(value)
    if media is None:
        raise UnsupportedMediaType(f"Content-Type is not a media type (type/subtype; name=value); send {takes}.")
    if media.essence not in accepts:
        raise UnsupportedMediaType(f"This route takes {takes}, not {media.essence}.")
    charset = media.parameters.get("charset")
    if media.essence == JSON and charset is not None and charset.lower() not in UTF8:
        raise UnsupportedMediaType("JSON is UTF-8: send charset=utf-8 or no charset.")
    if media.essence == MULTIPART_FORM and not media.parameters.get("boundary"):
        raise UnsupportedMediaType("multipart/form-data needs its boundary parameter (RFC 7578).")
