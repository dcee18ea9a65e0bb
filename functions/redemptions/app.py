"""Redemptions: spend points on a reward, check a voucher at checkout, use or cancel it."""

from typing import TYPE_CHECKING, Annotated, Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from loyalty.domain.errors import Conflict
from loyalty.entrypoints import lazy
from loyalty.entrypoints import metrics as emit
from loyalty.entrypoints.http import resolver, serve
from loyalty.models.common import CLIENT_ID_PATTERN
from loyalty.models.reward import Redemption, RedemptionRequest

if TYPE_CHECKING:
    from loyalty.services import redemptions
else:  # imported on first use: see loyalty.entrypoints.lazy
    redemptions = lazy.module("loyalty.services.redemptions")

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = resolver()

ClientIdPath = Annotated[str, Path(pattern=CLIENT_ID_PATTERN, max_length=64)]
Code = Annotated[str, Path(pattern=r"^[23456789A-Z]{8,32}$")]


@app.post(
    "/v1/members/<member_id>/redemptions",
    summary="Redeem points for a reward",
    tags=["redemptions"],
    responses={201: {"description": "Issued", "content": {"application/json": {"model": Redemption}}}},
)
@tracer.capture_method
def redeem(member_id: ClientIdPath, body: Annotated[RedemptionRequest, Body()]) -> tuple[Redemption, int]:
    logger.set_correlation_id(body.redemption_id)
    try:
        outcome = redemptions.redeem(member_id, body)
    except Conflict as refused:
        emit.redemption_failed(metrics, refused.code)
        raise
    emit.redeemed(metrics, outcome)
    return outcome.result, 201 if outcome.created else 200


@app.get("/v1/vouchers/<code>", summary="Look up a voucher code", tags=["redemptions"])
@tracer.capture_method
def voucher(code: Code) -> Redemption:
    return redemptions.by_code(code)


@app.post("/v1/redemptions/<redemption_id>/use", summary="Mark a voucher used", tags=["redemptions"])
@tracer.capture_method
def use(redemption_id: ClientIdPath) -> Redemption:
    return redemptions.use(redemption_id)


@app.post(
    "/v1/redemptions/<redemption_id>/cancel", summary="Cancel a voucher and return its points", tags=["redemptions"]
)
@tracer.capture_method
def cancel(redemption_id: ClientIdPath) -> Redemption:
    return redemptions.cancel(redemption_id)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return serve(app, event, context)
