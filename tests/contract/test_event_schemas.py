"""docs/events/ holds exactly the schemas the event models generate, one per contract type."""

from __future__ import annotations

from local import event_schemas
from loyalty.models.event_types import EVENT_TYPES
from loyalty.models.events import DATA_MODELS


def test_committed_schemas_match_the_models() -> None:
    wanted = event_schemas.documents()
    present = {path.name: path.read_text() for path in event_schemas.FOLDER.glob("*.json")}
    assert present == wanted, (
        "docs/events drifted from loyalty.models.events: run python -m local.event_schemas --write"
    )


def test_every_contract_type_has_a_schema() -> None:
    contract = {
        "member.enrolled", "member.updated", "member.erased", "points.earned", "points.matured", "points.refunded",
        "points.redeemed", "points.expired", "points.adjusted", "points.bonus", "tier.changed",
        "redemption.issued", "redemption.used", "redemption.cancelled", "referral.completed",
        "membership.started", "membership.ended",
    }  # fmt: skip
    assert set(EVENT_TYPES) == contract
    assert set(DATA_MODELS) == contract, "every event type has its data model"
