"""Reward catalog: the storefront's list of what can be redeemed now, and the admin's create/replace."""

from typing import TYPE_CHECKING, Annotated, Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from loyalty.entrypoints import lazy
from loyalty.entrypoints.http import resolver, serve
from loyalty.models.common import CLIENT_ID_PATTERN, Page
from loyalty.models.reward import Reward, RewardPut

if TYPE_CHECKING:
    from loyalty.services import rewards
else:  # imported on first use: see loyalty.entrypoints.lazy
    rewards = lazy.module("loyalty.services.rewards")

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = resolver()

RewardId = Annotated[str, Path(pattern=CLIENT_ID_PATTERN, max_length=64)]


@app.get("/v1/rewards", summary="Rewards that can be redeemed now", tags=["rewards"])
@tracer.capture_method
def list_rewards(
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Page[Reward]:
    return rewards.redeemable(limit, cursor)


@app.put(
    "/v1/admin/rewards/<reward_id>",
    summary="Create or replace a reward",
    tags=["admin"],
    responses={201: {"description": "Created", "content": {"application/json": {"model": Reward}}}},
)
@tracer.capture_method
def put_reward(reward_id: RewardId, body: Annotated[RewardPut, Body()]) -> tuple[Reward, int]:
    reward, created = rewards.put(reward_id, body)
    return reward, 201 if created else 200


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return serve(app, event, context)
