"""Redemptions: spend points on a reward, check a voucher at checkout, use or cancel it."""

from typing import TYPE_CHECKING, Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from loyalty.entrypoints import lazy
from loyalty.entrypoints import metrics as emit
from loyalty.entrypoints.handlers import api, http_handler
from loyalty.entrypoints.observability import logger, metrics
from loyalty.entrypoints.params import ClientIdPath, Cursor, Limit
from loyalty.entrypoints.routes import acting_key, answered, created_doc
from loyalty.models.common import Page
from loyalty.models.reward import Redemption, RedemptionRequest

if TYPE_CHECKING:
    from loyalty.services import redemptions
else:  # imported on first use: see loyalty.entrypoints.lazy
    redemptions = lazy.module("loyalty.services.redemptions")

app = api(tags=["redemptions"])

# Codes as shoppers type them (any case, spaces, dashes): the service normalises, and answers 404 for
# anything that cannot be a code.
Code = Annotated[str, Path(min_length=1, max_length=64)]


@app.post(
    "/v1/members/<member_id>/redemptions",
    summary="Redeem points for a reward",
    responses=created_doc("Issued", Redemption),
)
def redeem(member_id: ClientIdPath, body: Annotated[RedemptionRequest, Body()]) -> Response[Redemption]:
    logger.set_correlation_id(body.redemption_id)
    with emit.refusals_counted(metrics):
        outcome = redemptions.redeem(member_id, body, acting_key(app))
    emit.redeemed(metrics, outcome)
    return answered(outcome.result, outcome.created, f"/v1/vouchers/{outcome.result.code}")


@app.get("/v1/members/<member_id>/redemptions", summary="A member's vouchers, newest first")
def member_redemptions(member_id: ClientIdPath, limit: Limit = 25, cursor: Cursor = None) -> Page[Redemption]:
    return redemptions.for_member(member_id, limit, cursor)


@app.get("/v1/vouchers/<code>", summary="Look up a voucher code")
def voucher(code: Code) -> Redemption:
    return redemptions.by_code(code)


@app.post("/v1/redemptions/<redemption_id>/use", summary="Mark a voucher used")
def use(redemption_id: ClientIdPath) -> Redemption:
    return redemptions.use(redemption_id)


@app.post(
    "/v1/redemptions/<redemption_id>/cancel", summary="Cancel a voucher and return its points", tags=["redemptions"]
)
def cancel(redemption_id: ClientIdPath) -> Redemption:
    return redemptions.cancel(redemption_id, acting_key(app))


handler = http_handler(app)
