"""API key request, the one answer that shows the key, and the format every issued key has."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field

from loyalty.models.common import ApiModel, Model

Scope = Literal["storefront", "admin"]

# What loyalty.adapters.randomness.api_key issues: a prefix secret scanners know, then 32 random bytes in
# unpadded base64url (always 43 characters). A bearer value of any other shape cannot be an issued key,
# so the route refuses it without a read (loyalty.services.api_keys.bearer_key).
KEY_PREFIX = "lk_"
KEY_FORMAT = re.compile(r"lk_[A-Za-z0-9_-]{43}")


class KeyRequest(ApiModel):
    scope: Scope
    label: Annotated[str, Field(min_length=1, max_length=100)]


class KeyCreated(Model):
    key_id: str
    key: str = Field(description="Shown once; only its SHA-256 hash is stored.")
    scope: Scope
    label: str
