"""The timezone names a program may use (timezone_names.py, generated from the pinned tzdata) and the enum
constant a generated client gives each (the OpenAPI document's x-enum-varnames)."""

import re

from loyalty.models.timezone_names import IANA_TIMEZONES

__all__ = ["IANA_TIMEZONES", "TIMEZONE_CONSTANTS", "constant_name"]


def constant_name(zone: str) -> str:
    """The name a generated client gives ``zone``'s enum member (the document's ``x-enum-varnames``).

    Generators derive a constant from the value by dropping what is not a letter or digit, which folds
    ``Etc/GMT+5`` and ``Etc/GMT-5`` (opposite offsets) into one name, and ``GMT+0``, ``GMT-0`` and ``GMT0``
    into another: openapi-python-client stops there, or silently keeps only the last. The signs are
    what tell those zones apart, so they are spelled out; every listed zone keeps a name of its own."""
    text = re.sub(r"-(?=[0-9])", "_MINUS_", zone.replace("+", "_PLUS_"))
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_").upper()


TIMEZONE_CONSTANTS = tuple(constant_name(zone) for zone in IANA_TIMEZONES)
