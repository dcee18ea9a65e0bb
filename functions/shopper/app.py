"""The shoppers' front door: member tokens, the /v1/me routes a token opens, member cards for the counter,
and the Shopify App Proxy (no key: Shopify's signature). Parsing and shaping only."""

from typing import TYPE_CHECKING, Annotated, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from loyalty.entrypoints import access, lazy
from loyalty.entrypoints import metrics as emit
from loyalty.entrypoints.handlers import api, http_handler
from loyalty.entrypoints.http import JSON
from loyalty.entrypoints.observability import logger, metrics
from loyalty.entrypoints.params import ClientIdPath, Cursor, Limit
from loyalty.entrypoints.routes import acting_key, answered, created_doc
from loyalty.models.challenges import ChallengeProgress
from loyalty.models.common import CLIENT_ID_PATTERN, Page
from loyalty.models.entry import Entry
from loyalty.models.me import Balance, CardReplace, Me, MemberCard, MeReward, TokenCreated, TokenRequest, WaysToEarn
from loyalty.models.member import Member
from loyalty.models.problem import Problem
from loyalty.models.reward import Redemption, RedemptionRequest

if TYPE_CHECKING:
    from loyalty.services import app_proxy, cards, challenges, me, member_tokens
else:  # imported on first use: see loyalty.entrypoints.lazy
    app_proxy = lazy.module("loyalty.services.app_proxy")
    challenges = lazy.module("loyalty.services.challenges")
    cards = lazy.module("loyalty.services.cards")
    me = lazy.module("loyalty.services.me")
    member_tokens = lazy.module("loyalty.services.member_tokens")

app = api()

CardCode = Annotated[str, Path(min_length=1, max_length=64)]
ConnectionId = Annotated[str, Path(pattern=CLIENT_ID_PATTERN, max_length=128)]
ProxyView = Annotated[
    Literal["me", "rewards", "redemptions", "activity", "ways-to-earn", "balance", "challenges"],
    Path(description="me: the /v1/me view; the others: /v1/me/<path>."),
]
TOO_MANY = {
    429: {
        "description": "Too many redemption attempts by this member (rate_limited); Retry-After says when to retry",
        "content": {"application/problem+json": {"model": Problem}},
    }
}
PROXY_REFUSED = {
    401: {
        "description": "No valid Shopify App Proxy signature, a stale one, or no customer logged in",
        "content": {"application/problem+json": {"model": Problem}},
    }
}


def _event() -> dict[str, object]:
    return app.current_event.raw_event


# --- member tokens and cards (storefront key) ---------------------------------------------------------


@app.post(
    "/v1/members/<member_id>/tokens",
    summary="A short-lived token that opens this member's /v1/me routes (for the shopper's browser)",
    tags=["shoppers"],
    responses={201: {"description": "Issued", "content": {JSON: {"model": TokenCreated}}}},
)
def issue_token(member_id: ClientIdPath, body: Annotated[TokenRequest, Body()]) -> Response[TokenCreated]:
    created = member_tokens.issue(member_id, body, acting_key(app))
    return Response(status_code=201, content_type=JSON, body=created)


@app.post(
    "/v1/members/<member_id>/card",
    summary="Replace a member's card: a new code, and the old one stops working",
    tags=["shoppers"],
    responses=created_doc("Issued", MemberCard),
)
def replace_card(member_id: ClientIdPath, body: Annotated[CardReplace | None, Body()] = None) -> Response[MemberCard]:
    card, created = cards.replace(member_id, body)
    return answered(card, created, f"/v1/cards/{card.card_code}")


@app.get("/v1/cards/<card_code>", summary="Look a member up by its card (as a cashier types it)", tags=["shoppers"])
def card_member(card_code: CardCode) -> Member:
    return cards.lookup(card_code)


# --- /v1/me (member token) ----------------------------------------------------------------------------


@app.get("/v1/me", summary="The token's member: balance and its value, tier, what expires, card", tags=["me"])
def get_me() -> Me:
    return me.me(access.member(_event()).member_id)


@app.get("/v1/me/rewards", summary="Rewards, each with whether the member can afford it", tags=["me"])
def my_rewards(limit: Limit = 25, cursor: Cursor = None) -> Page[MeReward]:
    return me.rewards_for(access.member(_event()).member_id, limit, cursor)


@app.get("/v1/me/redemptions", summary="The member's vouchers, newest first", tags=["me"])
def my_redemptions(limit: Limit = 25, cursor: Cursor = None) -> Page[Redemption]:
    return me.redemptions_page(access.member(_event()).member_id, limit, cursor)


@app.post(
    "/v1/me/redemptions",
    summary="Redeem the member's points for a reward (token scope redeem)",
    tags=["me"],
    responses={**created_doc("Issued", Redemption), **TOO_MANY},
)
def my_redeem(body: Annotated[RedemptionRequest, Body()]) -> Response[Redemption]:
    who = access.member(_event(), "redeem")
    logger.set_correlation_id(body.redemption_id)
    with emit.refusals_counted(metrics):
        outcome = me.redeem(who.member_id, body, who.key_id)
    emit.redeemed(metrics, outcome)
    return answered(outcome.result, outcome.created, f"/v1/vouchers/{outcome.result.code}")


@app.get("/v1/me/activity", summary="The member's ledger, newest first", tags=["me"])
def my_activity(limit: Limit = 25, cursor: Cursor = None) -> Page[Entry]:
    return me.activity_page(access.member(_event()).member_id, limit, cursor)


@app.get("/v1/me/ways-to-earn", summary="What earns this member points today", tags=["me"])
def my_ways_to_earn() -> WaysToEarn:
    return me.ways_to_earn(access.member(_event()).member_id)


@app.get("/v1/me/balance", summary="The available points by expiry day, and what is pending", tags=["me"])
def my_balance() -> Balance:
    return me.balance(access.member(_event()).member_id)


@app.get("/v1/me/challenges", summary="The member's progress in the program's challenges", tags=["me"])
def my_challenges() -> Page[ChallengeProgress]:
    return challenges.page(access.member(_event()).member_id)


# --- the Shopify App Proxy (no key: Shopify's signature over the query string) ------------------------


@app.get(
    "/v1/integrations/<connection_id>/proxy/<path>",
    summary="A /v1/me view for the customer logged in to the Shopify shop (App Proxy)",
    tags=["integrations"],
    responses=PROXY_REFUSED,
)
def proxy_view(
    connection_id: ConnectionId, path: ProxyView, limit: Limit = 25, cursor: Cursor = None
) -> Me | Page[MeReward] | Page[Redemption] | Page[Entry] | WaysToEarn | Balance | Page[ChallengeProgress]:
    result: Me | Page[MeReward] | Page[Redemption] | Page[Entry] | WaysToEarn | Balance | Page[ChallengeProgress] = (
        app_proxy.view(connection_id, path, app.current_event.raw_event.get("rawQueryString", ""), limit, cursor)
    )
    return result


@app.post(
    "/v1/integrations/<connection_id>/proxy/redemptions",
    summary="Redeem for the customer logged in to the Shopify shop (App Proxy; application/json only)",
    tags=["integrations"],
    responses={**created_doc("Issued", Redemption), **PROXY_REFUSED, **TOO_MANY},
)
def proxy_redeem(connection_id: ConnectionId, body: Annotated[RedemptionRequest, Body()]) -> Response[Redemption]:
    member_id = app_proxy.customer_member(connection_id, str(_event().get("rawQueryString", "")))
    logger.set_correlation_id(body.redemption_id)
    with emit.refusals_counted(metrics):
        outcome = me.redeem(member_id, body, app_proxy.proxy_key_id(connection_id))
    emit.redeemed(metrics, outcome)
    return answered(outcome.result, outcome.created, f"/v1/vouchers/{outcome.result.code}")


handler = http_handler(app)
