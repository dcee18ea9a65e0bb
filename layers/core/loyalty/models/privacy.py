"""What an admin gets for a member's right of access and portability (GET /v1/admin/members/{id}/export)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from loyalty.models.common import Model, Timestamp
from loyalty.models.entry import Entry
from loyalty.models.member import Member
from loyalty.models.order import OrderRead
from loyalty.models.reward import Redemption


class ConsentChange(Model):
    """One change of the member's marketing consent (the last 20 are kept)."""

    marketing_opt_in: bool
    source: Literal["api", "unsubscribe_link", "import"]
    key_id: str | None = Field(description="The API key that recorded it; null when no key did (the unsubscribe link).")
    at: Timestamp


class MemberExport(Model):
    """Everything held about a member, in one document: no paging."""

    member: Member
    consents: list[ConsentChange] = Field(description="The kept consent changes, oldest first.")
    activity: list[Entry] = Field(description="Every ledger entry, newest first.")
    redemptions: list[Redemption] = Field(description="Every redemption (voucher), newest first.")
    orders: list[OrderRead] = Field(
        description="Every order credited to the member, newest first, as GET /v1/orders/{order_id} answers it."
    )
