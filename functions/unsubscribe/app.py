"""POST /v1/unsubscribe/{token}: the one-click unsubscribe of the re-engagement emails (no API key: the
signed token is the authorisation). Mail apps send it as RFC 8058 prescribes, with the form body
``List-Unsubscribe=One-Click`` (multipart/form-data or application/x-www-form-urlencoded), which is not
read: the route takes those two types, JSON or none, and refuses any other with 415
(loyalty.entrypoints.http.accepted_media_types)."""

from typing import TYPE_CHECKING, Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.metrics import MetricUnit

from loyalty.entrypoints import lazy
from loyalty.entrypoints.handlers import api, http_handler
from loyalty.entrypoints.observability import logger, metrics
from loyalty.models.jobs import Unsubscribed

if TYPE_CHECKING:
    from loyalty.services import unsubscribe as unsubscribing
else:  # imported on first use: see loyalty.entrypoints.lazy
    unsubscribing = lazy.module("loyalty.services.unsubscribe")

app = api(tags=["emails"])

Token = Annotated[str, Path(min_length=3, max_length=200, pattern=r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")]


@app.post(
    "/v1/unsubscribe/<token>",
    summary="Unsubscribe from re-engagement emails (one click)",
    description="The link of an email's List-Unsubscribe header. Clears the member's marketing_opt_in.",
)
def unsubscribe(token: Token) -> Unsubscribed:
    member_id = unsubscribing.unsubscribe(token)
    logger.info("unsubscribed", extra={"member_id": member_id})
    metrics.add_metric(name="Unsubscribes", unit=MetricUnit.Count, value=1)
    return Unsubscribed()


# Its log lines carry no request id: a route sets its own correlation id.
handler = http_handler(app, correlation_id_path=None)
