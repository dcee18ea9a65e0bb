"""API key request and the one answer that shows the key."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from loyalty.models.common import ApiModel

Scope = Literal["storefront", "admin"]


class KeyRequest(ApiModel):
    scope: Scope
    label: Annotated[str, Field(min_length=1, max_length=100)]


class KeyCreated(BaseModel):
    key_id: str
    key: str = Field(description="Shown once; only its SHA-256 hash is stored.")
    scope: Scope
    label: str
