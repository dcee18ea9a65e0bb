"""Bulk import (admin, v1.1): the API bodies, one line of the uploaded file, and the chunk message the
import's trigger hands its worker through the imports queue."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field, model_validator

from loyalty.models.common import MAX_SAFE_INTEGER, ApiModel, Bool, ClientId, Email, Model, Timestamp
from loyalty.models.member import Name

MAX_LOTS = 40  # a line's lots: with the member's own items, one transaction stays well under 100 items
MAX_ERRORS_SHOWN = 100  # GET shows the first errors by line; `rejected` counts them all


class ImportRequest(ApiModel):
    import_id: ClientId


class ImportCreated(Model):
    import_id: str
    upload_url: str = Field(description="A presigned S3 PUT URL for the JSON lines file (valid one hour).")


class ImportLineError(Model):
    line: int = Field(ge=1, description="The line of the file (the first is 1).")
    msg: str


class ImportReport(Model):
    import_id: str
    status: Literal["waiting", "running", "done", "failed"] = Field(
        description="waiting for the file, running, done, or failed: its work stopped and `reason` says why."
    )
    reason: str | None = Field(default=None, description="Why the import failed (only when `failed`).")
    rows: int = Field(description="Lines of the file holding a member (blank lines are not rows).")
    imported: int
    rejected: int
    errors: list[ImportLineError] = Field(
        description=f"The rejected lines, by line number: at most the first {MAX_ERRORS_SHOWN} (`rejected` counts all)."
    )


Points = Annotated[int, Field(ge=1, le=MAX_SAFE_INTEGER)]


class ImportLot(ApiModel):
    points: Points
    earned_on: date
    expires_on: date | None = Field(default=None, description="Absent: the program's expiry from earned_on.")


class ImportRow(ApiModel):
    """One line of the file: a member and the points it holds, lot by lot."""

    member_id: ClientId
    email: Email
    name: Name | None = None
    marketing_opt_in: Bool = False
    tier: str | None = Field(default=None, max_length=64, description="Absent: the program's lowest tier.")
    enrolled_at: Timestamp | None = None
    lots: list[ImportLot] = Field(default_factory=list, max_length=MAX_LOTS)

    @model_validator(mode="after")
    def _balance_in_range(self) -> ImportRow:
        # The member is new (its enrollment is conditioned on that), so its balance is this sum: it must
        # stay an integer a JavaScript client reads exactly, as every balance the API shows does.
        if sum(lot.points for lot in self.lots) > MAX_SAFE_INTEGER:
            raise ValueError(f"lots: the points add up to more than 2^53 - 1 ({MAX_SAFE_INTEGER})")
        return self


class ImportChunk(Model):
    """A queue message: consecutive lines of one import's file, the first being ``first_line``."""

    import_id: ClientId
    chunk: int = Field(ge=0)
    first_line: int = Field(ge=1)
    lines: list[str]
