"""What the admin API reads of a campaign besides its definition (the program holds that)."""

from __future__ import annotations

from pydantic import Field

from loyalty.models.common import Model
from loyalty.models.program import Campaign


class CampaignRead(Model):
    """GET /v1/admin/campaigns/{campaign_id}: a campaign of the program and what its budget has given."""

    campaign: Campaign
    spent_points: int = Field(description="Bonus points the campaign has given so far (counted exactly).")
    remaining_points: int | None = Field(description="What is left of budget_points; null without a budget.")
