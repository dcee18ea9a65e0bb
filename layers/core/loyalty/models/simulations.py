"""The what-if simulator's API shapes (POST /v1/admin/simulations, GET /v1/admin/simulations/{id})."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from loyalty.models.common import ApiModel, ClientId, Model
from loyalty.models.program import Program


class SimulationRequest(ApiModel):
    simulation_id: ClientId
    program: Program = Field(
        description="The proposed program, as PUT /v1/admin/program takes it, in the stored program's currency "
        "(422 otherwise; the orders file too)."
    )


class SimulationCreated(Model):
    simulation_id: str
    upload_url: str = Field(
        description="A presigned S3 PUT URL for the orders file (JSON lines or a Shopify orders CSV; one hour)."
    )


class SimulationReport(Model):
    simulation_id: str
    status: Literal["waiting", "running", "done", "failed"]
    reason: str | None = Field(default=None, description="Why it failed (status failed).")
    result: dict[str, Any] | None = Field(
        default=None,
        description="Once done: {orders, members, skipped, revenue_minor, currency, current, proposed, difference} "
        "(docs/simulator.md).",
    )
