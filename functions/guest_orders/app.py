"""Non-members' orders (storefront key): recorded for the experiments report, the customer only as a
keyed hash. Parsing and shaping only; loyalty.services.guest_orders decides."""

from typing import TYPE_CHECKING, Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from loyalty.entrypoints import lazy
from loyalty.entrypoints.handlers import api, http_handler
from loyalty.entrypoints.routes import answered, created_doc
from loyalty.models.experiments import GuestOrder, GuestOrderRequest

if TYPE_CHECKING:
    from loyalty.services import guest_orders
else:  # imported on first use: see loyalty.entrypoints.lazy
    guest_orders = lazy.module("loyalty.services.guest_orders")

app = api(tags=["orders"])


@app.post(
    "/v1/guest-orders",
    summary="Record an order of a customer who is not a member (for the experiments report)",
    description="Idempotent by order_id: the same body again answers 200, another body 409. Only a keyed "
    "hash of customer_ref is stored.",
    responses=created_doc("Recorded", GuestOrder),
)
def post_guest_order(body: Annotated[GuestOrderRequest, Body()]) -> Response[GuestOrder]:
    recorded = guest_orders.record(body)
    return answered(recorded.order, recorded.created, f"/v1/guest-orders/{body.order_id}")


handler = http_handler(app)
