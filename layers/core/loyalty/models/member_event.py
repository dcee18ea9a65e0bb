"""Member events: something a member did besides buying, sent by the shop, that may earn points."""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field

from loyalty.models.common import ApiModel, ClientId, Model, Rfc3339
from loyalty.models.entry import Entry


class MemberEventRequest(ApiModel):
    model_config = ConfigDict(
        json_schema_extra={
            "description": "type is one of the program's event_rules types (422 otherwise); occurred_at is within "
            "the program's max_order_age_days and at most 5 minutes ahead of the server's clock."
        }
    )

    event_id: ClientId
    type: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
    occurred_at: Rfc3339


class MemberEventResult(Model):
    event_id: str
    points: int = Field(description="Points credited: 0 when a limit of the event's rule was reached.")
    limited: bool = Field(description="True when the rule's per_member_limit stopped it.")
    entry: Entry | None = Field(description="The bonus entry; null when no points were credited.")
