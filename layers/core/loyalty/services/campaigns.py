"""Campaign reads for admins: a campaign of the program and what is left of its budget."""

from __future__ import annotations

from loyalty.domain.errors import NotFound
from loyalty.models.campaigns import CampaignRead
from loyalty.services import program as programs
from loyalty.store import campaigns as campaign_store


def read(campaign_id: str) -> CampaignRead:
    """The campaign as the program holds it, the bonus points it has given, and what its budget has left
    (one Query of its partition: the sum of its budget's shares)."""
    found = next((c for c in programs.current().campaigns if c.campaign_id == campaign_id), None)
    if found is None:
        raise NotFound(f"The program has no campaign '{campaign_id}'.")
    spent = campaign_store.spent(campaign_id)
    remaining = None if found.budget_points is None else max(found.budget_points - spent, 0)
    return CampaignRead(campaign=found, spent_points=spent, remaining_points=remaining)
