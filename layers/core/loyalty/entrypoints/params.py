"""Path parameters the routes share, with the constraints the OpenAPI document states for them."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from loyalty.models.common import CLIENT_ID_MAX, CLIENT_ID_PATTERN

# A client-chosen id in a path: member_id, order_id, redemption_id, reward_id, ...
ClientIdPath = Annotated[str, Path(pattern=CLIENT_ID_PATTERN, min_length=1, max_length=CLIENT_ID_MAX)]

# The cursor of a list: the next_cursor of the page before. Cursors are sealed, so one this API did not give
# out (or gave out for another list) is refused.
Cursor = Annotated[
    str | None,
    Query(
        max_length=2048,
        description="The next_cursor of the page before; a cursor this API did not give out for this list is "
        "refused (422).",
    ),
]

# How many items a page of a list holds.
Limit = Annotated[int, Query(ge=1, le=100)]
