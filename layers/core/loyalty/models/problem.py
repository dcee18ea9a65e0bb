"""RFC 9457 problem details, the body of every error answer."""

from __future__ import annotations

from pydantic import BaseModel


class ErrorItem(BaseModel):
    loc: list[str | int]
    msg: str


class Problem(BaseModel):
    type: str
    title: str
    status: int
    detail: str
    code: str
    errors: list[ErrorItem] | None = None
