"""RFC 9457 problem details, the body of every error answer."""

from __future__ import annotations

from loyalty.models.common import Model


class ErrorItem(Model):
    loc: list[str | int]
    msg: str


class Problem(Model):
    type: str
    title: str
    status: int
    detail: str
    code: str
    errors: list[ErrorItem] | None = None
