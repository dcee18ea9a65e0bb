"""Order routes: accrue points for a purchase, refund part or all of it."""

from typing import TYPE_CHECKING, Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from loyalty.entrypoints import lazy
from loyalty.entrypoints import metrics as emit
from loyalty.entrypoints.handlers import api, http_handler
from loyalty.entrypoints.observability import logger, metrics
from loyalty.entrypoints.params import ClientIdPath
from loyalty.entrypoints.routes import acting_key, answered, body_doc, created_doc
from loyalty.models.order import OrderAccrued, OrderRead, OrderRequest, RefundRequest, RefundResult

if TYPE_CHECKING:
    from loyalty.services import accrual, refunds
else:  # imported on first use: see loyalty.entrypoints.lazy
    accrual = lazy.module("loyalty.services.accrual")
    refunds = lazy.module("loyalty.services.refunds")

app = api(tags=["orders"])


@app.post("/v1/orders", summary="Accrue points for an order", responses=created_doc("Accrued", OrderAccrued))
def post_order(body: Annotated[OrderRequest, Body()]) -> Response[OrderAccrued]:
    logger.set_correlation_id(body.order_id)
    accrued = accrual.accrue(body, acting_key(app))
    emit.accrued(metrics, accrued)
    return answered(accrued.result, accrued.created, f"/v1/orders/{body.order_id}")


@app.get("/v1/orders/<order_id>", summary="Read an order's accrual and its refunds")
def get_order(order_id: ClientIdPath) -> OrderRead:
    return accrual.read(order_id)


@app.post(
    "/v1/orders/<order_id>/refunds",
    summary="Refund an order by lines or by amount",
    responses=body_doc(201, "Refunded", RefundResult),
)
def post_refund(order_id: ClientIdPath, body: Annotated[RefundRequest, Body()]) -> tuple[RefundResult, int]:
    logger.set_correlation_id(order_id)
    refunded = refunds.refund(order_id, body, acting_key(app))
    emit.refunded(metrics, refunded)
    return refunded.result, 201 if refunded.created else 200


# Its log lines carry no request id: a route sets its own correlation id.
handler = http_handler(app, correlation_id_path=None)
