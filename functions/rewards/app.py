"""Reward catalog: the storefront's list of what can be redeemed now, and the admin's create/replace."""

from typing import TYPE_CHECKING, Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from loyalty.entrypoints import lazy
from loyalty.entrypoints.handlers import api, http_handler
from loyalty.entrypoints.params import ClientIdPath, Cursor, Limit
from loyalty.entrypoints.routes import answered, created_doc
from loyalty.models.common import Page
from loyalty.models.reward import Reward, RewardPut

if TYPE_CHECKING:
    from loyalty.services import rewards
else:  # imported on first use: see loyalty.entrypoints.lazy
    rewards = lazy.module("loyalty.services.rewards")

app = api(tags=["rewards"])


@app.get("/v1/rewards", summary="Rewards that can be redeemed now")
def list_rewards(limit: Limit = 25, cursor: Cursor = None) -> Page[Reward]:
    return rewards.redeemable(limit, cursor)


@app.get("/v1/rewards/<reward_id>", summary="Read a reward")
def get_reward(reward_id: ClientIdPath) -> Reward:
    return rewards.one(reward_id)


@app.get("/v1/admin/rewards", summary="Every reward, inactive ones included", tags=["admin"])
def list_every_reward(limit: Limit = 25, cursor: Cursor = None) -> Page[Reward]:
    return rewards.every(limit, cursor)


@app.put(
    "/v1/admin/rewards/<reward_id>",
    summary="Create or replace a reward",
    tags=["admin"],
    responses=created_doc("Created", Reward),
)
def put_reward(reward_id: ClientIdPath, body: Annotated[RewardPut, Body()]) -> Response[Reward]:
    reward, created = rewards.put(reward_id, body)
    return answered(reward, created, f"/v1/rewards/{reward_id}")


handler = http_handler(app)
