"""Order routes: accrue points for a purchase, refund part or all of it."""

from typing import TYPE_CHECKING, Annotated, Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.utilities.typing import LambdaContext

from loyalty.entrypoints import lazy
from loyalty.entrypoints import metrics as emit
from loyalty.entrypoints.http import resolver, serve
from loyalty.models.common import CLIENT_ID_PATTERN
from loyalty.models.order import OrderAccrued, OrderRequest, RefundRequest, RefundResult

if TYPE_CHECKING:
    from loyalty.services import accrual, refunds
else:  # imported on first use: see loyalty.entrypoints.lazy
    accrual = lazy.module("loyalty.services.accrual")
    refunds = lazy.module("loyalty.services.refunds")

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = resolver()

OrderId = Annotated[str, Path(pattern=CLIENT_ID_PATTERN, max_length=64)]


@app.post(
    "/v1/orders",
    summary="Accrue points for an order",
    tags=["orders"],
    responses={201: {"description": "Accrued", "content": {"application/json": {"model": OrderAccrued}}}},
)
@tracer.capture_method
def post_order(body: Annotated[OrderRequest, Body()]) -> tuple[OrderAccrued, int]:
    logger.set_correlation_id(body.order_id)
    accrued = accrual.accrue(body)
    emit.accrued(metrics, accrued)
    return accrued.result, 201 if accrued.created else 200


@app.post(
    "/v1/orders/<order_id>/refunds",
    summary="Refund an order by lines or by amount",
    tags=["orders"],
    responses={201: {"description": "Refunded", "content": {"application/json": {"model": RefundResult}}}},
)
@tracer.capture_method
def post_refund(order_id: OrderId, body: Annotated[RefundRequest, Body()]) -> tuple[RefundResult, int]:
    logger.set_correlation_id(order_id)
    refunded = refunds.refund(order_id, body)
    emit.refunded(metrics, refunded)
    return refunded.result, 201 if refunded.created else 200


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return serve(app, event, context)
