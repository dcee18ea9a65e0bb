"""API key request and the one answer that shows the key."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from loyalty.models.common import ApiModel, Model

Scope = Literal["storefront", "admin"]


class KeyRequest(ApiModel):
    scope: Scope
    label: Annotated[str, Field(min_length=1, max_length=100)]


class KeyCreated(Model):
    key_id: str
    key: str = Field(description="Shown once; only its SHA-256 hash is stored.")
    scope: Scope
    label: str
