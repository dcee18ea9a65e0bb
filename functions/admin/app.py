"""Admin routes (scope admin): program configuration, API keys, point adjustments, and a member's
export and erasure.

The models the routes declare load on a route's first request, as the services do: the annotations
are strings (PEP 563), resolved by Powertools when it first validates a route, and each model module is
a loyalty.entrypoints.lazy module. This function holds the most models of any (the program and its
parts, the export and what it holds), and loading them at init took it past 1.2 x a bare handler's cold
start; a route now loads only the models it names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query

from loyalty.entrypoints import lazy
from loyalty.entrypoints.handlers import api, http_handler
from loyalty.entrypoints.observability import logger
from loyalty.entrypoints.params import ClientIdPath
from loyalty.entrypoints.routes import acting, answered, body_doc, created_doc
from loyalty.models.common import Page

if TYPE_CHECKING:
    from loyalty.models import adjustment as adjustment_models
    from loyalty.models import api_key as api_key_models
    from loyalty.models import campaigns as campaign_models
    from loyalty.models import entry as entry_models
    from loyalty.models import member as member_models
    from loyalty.models import privacy as privacy_models
    from loyalty.models import program as program_models
    from loyalty.services import adjustments, api_keys, campaigns, members, privacy, program
else:  # imported on first use: see loyalty.entrypoints.lazy
    adjustment_models = lazy.module("loyalty.models.adjustment")
    api_key_models = lazy.module("loyalty.models.api_key")
    campaign_models = lazy.module("loyalty.models.campaigns")
    entry_models = lazy.module("loyalty.models.entry")
    member_models = lazy.module("loyalty.models.member")
    privacy_models = lazy.module("loyalty.models.privacy")
    program_models = lazy.module("loyalty.models.program")
    adjustments = lazy.module("loyalty.services.adjustments")
    campaigns = lazy.module("loyalty.services.campaigns")
    api_keys = lazy.module("loyalty.services.api_keys")
    members = lazy.module("loyalty.services.members")
    privacy = lazy.module("loyalty.services.privacy")
    program = lazy.module("loyalty.services.program")

app = api(tags=["admin"])

KeyId = Annotated[str, Path(pattern=r"^key_[0-9a-f]{16}$")]


@app.put("/v1/admin/program", summary="Store the program (validated as a whole)")
def put_program(body: Annotated[program_models.Program, Body()]) -> program_models.Program:
    return program.save(body)


@app.get("/v1/admin/program", summary="Read the program")
def get_program() -> program_models.Program:
    return program.current()


@app.get("/v1/admin/campaigns/<campaign_id>", summary="Read a campaign and what is left of its budget")
def get_campaign(campaign_id: ClientIdPath) -> campaign_models.CampaignRead:
    return campaigns.read(campaign_id)


@app.post(
    "/v1/admin/keys",
    summary="Issue an API key (shown once)",
    responses=created_doc("Issued", api_key_models.KeyCreated),
)
def create_key(body: Annotated[api_key_models.KeyRequest, Body()]) -> Response[api_key_models.KeyCreated]:
    created = api_keys.create(body)
    logger.info("api key issued", extra={"key_id": created.key_id, "scope": created.scope})
    return answered(created, True, f"/v1/admin/keys/{created.key_id}")


@app.delete("/v1/admin/keys/<key_id>", summary="Revoke an API key", responses={204: {"description": "Revoked"}})
def delete_key(key_id: KeyId) -> Response[None]:
    api_keys.revoke(key_id)
    logger.info("api key revoked", extra={"key_id": key_id})
    return Response(status_code=204)


@app.get("/v1/admin/members", summary="Find a member by email")
def find_member(email: Annotated[str, Query(min_length=3, max_length=254)]) -> Page[member_models.Member]:
    return members.find_by_email(email)


@app.post(
    "/v1/admin/members/<member_id>/adjustments",
    summary="Credit or debit a member's points",
    responses=body_doc(201, "Recorded", entry_models.Entry),
)
def adjust(
    member_id: ClientIdPath, body: Annotated[adjustment_models.AdjustmentRequest, Body()]
) -> tuple[entry_models.Entry, int]:
    # The acting key goes on the entry, so the ledger says who changed the balance.
    adjusted = adjustments.adjust(member_id, body, adjustments.Actor(*acting(app)))
    return adjusted.result, 201 if adjusted.created else 200


@app.get(
    "/v1/admin/members/<member_id>/export",
    summary="Everything held about a member (right of access and portability)",
)
def export_member(member_id: ClientIdPath) -> privacy_models.MemberExport:
    return privacy.export(member_id)


@app.delete(
    "/v1/admin/members/<member_id>",
    summary="Erase a member's personal data; its balance is forfeited",
    responses={204: {"description": "Erased (also when it was already)"}},
)
def erase_member(member_id: ClientIdPath) -> Response[None]:
    privacy.erase(member_id, privacy.Actor(*acting(app)))
    logger.info("member erased", extra={"member_id": member_id})
    return Response(status_code=204)


handler = http_handler(app)
