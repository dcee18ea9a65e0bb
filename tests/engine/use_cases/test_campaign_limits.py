"""Campaign limits, as a storefront and an admin see them over the API: a budget counted exactly (the
order that passes it gets what is left, and says so), a limit of orders per member, a minimum order,
SKUs and tiers; an admin reads what is left of a budget."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from harness.api import Api
from harness.counting import DynamoCalls
from harness.programs import program_document
from loyalty.store import campaigns as campaign_store
from loyalty.store.client import table_name, to_item

# The engine decides these outcomes (transactions, conditions, index queries): moto and DynamoDB Local.
pytestmark = pytest.mark.engine

NOV = "2026-11-01T00:00:00Z"
DEC = "2026-12-31T00:00:00Z"
PLACED = "2026-11-22T14:00:00Z"


def campaign(**fields: Any) -> dict[str, Any]:
    return {"campaign_id": "launch", "starts_at": NOV, "ends_at": DEC, **fields}


def configure(admin_api: Api, *campaigns: dict[str, Any], **overrides: Any) -> None:
    answer = admin_api.put("/v1/admin/program", program_document(campaigns=list(campaigns), **overrides))
    assert answer.status == 200, answer.body


def enroll(api: Api, member_id: str = "m-1") -> None:
    assert api.post("/v1/members", {"member_id": member_id, "email": f"{member_id}@example.com"}).status == 201


def order(
    api: Api, order_id: str, member_id: str = "m-1", *, sku: str = "A", price: int = 1_000, discount: int = 0
) -> Any:
    answer = api.post(
        "/v1/orders",
        {
            "order_id": order_id,
            "member_id": member_id,
            "currency": "USD",
            "placed_at": PLACED,
            "discount_minor": discount,
            "lines": [{"sku": sku, "category": "shoes", "quantity": 1, "unit_price_minor": price}],
        },
    )
    assert answer.status in (200, 201), answer.body
    return answer.body


def test_a_budget_gives_bonuses_until_it_is_spent_and_the_order_that_passes_it_gets_what_is_left(
    admin_api: Api, api: Api
) -> None:
    configure(admin_api, campaign(bonus_points=100, budget_points=250))
    for member_id in ("m-1", "m-2", "m-3", "m-4"):
        enroll(api, member_id)
    first, second, third, fourth = (order(api, f"o-{i}", f"m-{i}") for i in range(1, 5))
    assert [o["bonuses"] for o in (first, second)] == [[{"campaign_id": "launch", "points": 100, "limited": False}]] * 2
    assert third["bonuses"] == [{"campaign_id": "launch", "points": 50, "limited": True}]
    assert third["points"] == 10 + 50
    assert fourth["bonuses"] == [{"campaign_id": "launch", "points": 0, "limited": True}]
    assert fourth["points"] == 10 and fourth["member"]["points"]["available"] == 10
    read = admin_api.get("/v1/admin/campaigns/launch")
    assert read.status == 200
    assert (read.body["spent_points"], read.body["remaining_points"]) == (250, 0)
    assert read.body["campaign"]["budget_points"] == 250


def test_an_order_replayed_spends_its_budget_once(admin_api: Api, api: Api) -> None:
    configure(admin_api, campaign(bonus_points=100, budget_points=1_000))
    enroll(api)
    first = order(api, "o-1")
    again = order(api, "o-1")
    assert first["bonuses"] == again["bonuses"] == [{"campaign_id": "launch", "points": 100, "limited": False}]
    assert admin_api.get("/v1/admin/campaigns/launch").body["remaining_points"] == 900
    assert api.get("/v1/orders/o-1").body["bonuses"] == first["bonuses"]


def test_raising_the_budget_lets_the_campaign_give_again(admin_api: Api, api: Api) -> None:
    configure(admin_api, campaign(bonus_points=100, budget_points=100))
    enroll(api)
    assert order(api, "o-1")["bonuses"][0]["points"] == 100
    assert order(api, "o-2")["bonuses"][0] == {"campaign_id": "launch", "points": 0, "limited": True}
    configure(admin_api, campaign(bonus_points=100, budget_points=150))
    assert order(api, "o-3")["bonuses"][0] == {"campaign_id": "launch", "points": 50, "limited": True}
    assert admin_api.get("/v1/admin/campaigns/launch").body["spent_points"] == 150


def test_a_whole_refund_gives_the_bonus_back_to_the_budget_and_a_partial_one_does_not(admin_api: Api, api: Api) -> None:
    configure(admin_api, campaign(bonus_points=100, budget_points=200))
    for member_id in ("m-1", "m-2", "m-3"):
        enroll(api, member_id)
    order(api, "o-1", "m-1")
    order(api, "o-2", "m-2")
    half = api.post("/v1/orders/o-1/refunds", {"refund_id": "r-1", "amount_minor": 500})
    assert half.status == 201 and half.body["points_reversed"] == 5  # the bonus belongs to the whole order
    assert admin_api.get("/v1/admin/campaigns/launch").body["remaining_points"] == 0
    rest = api.post("/v1/orders/o-1/refunds", {"refund_id": "r-2", "amount_minor": 500})
    assert rest.status == 201 and rest.body["points_reversed"] == 105
    assert api.post("/v1/orders/o-1/refunds", {"refund_id": "r-2", "amount_minor": 500}).status == 200  # once
    read = admin_api.get("/v1/admin/campaigns/launch").body
    assert (read["spent_points"], read["remaining_points"]) == (100, 100)
    assert order(api, "o-3", "m-3")["bonuses"] == [{"campaign_id": "launch", "points": 100, "limited": False}]
    read = admin_api.get("/v1/admin/campaigns/launch").body
    assert (read["spent_points"], read["remaining_points"]) == (200, 0)


def test_a_budget_counted_before_the_split_is_counted_as_given_once_the_program_is_stored(
    admin_api: Api, api: Api
) -> None:
    # What a table written by the single-counter design holds for a campaign that gave 150 points.
    legacy = {"PK": "CAMPAIGN#launch", "SK": "BUDGET", "campaign_id": "launch", "spent": 150}
    boto3.client("dynamodb").put_item(TableName=table_name(), Item=to_item(legacy))
    configure(admin_api, campaign(bonus_points=100, budget_points=250))
    read = admin_api.get("/v1/admin/campaigns/launch").body
    assert (read["spent_points"], read["remaining_points"]) == (150, 100)
    enroll(api, "m-1")
    enroll(api, "m-2")
    assert order(api, "o-1", "m-1")["bonuses"][0]["points"] == 100
    assert order(api, "o-2", "m-2")["bonuses"][0]["points"] == 0
    read = admin_api.get("/v1/admin/campaigns/launch").body
    assert (read["spent_points"], read["remaining_points"]) == (250, 0)


def test_a_budget_still_on_the_single_counter_is_split_by_the_first_order_that_meets_it(
    admin_api: Api, api: Api
) -> None:
    # A table as the single-counter design left it: the program stored then (no shares), the counter
    # at 150 of 250. The upgrade stores nothing; the first order that needs a share splits the budget.
    configure(admin_api, campaign(bonus_points=100, budget_points=250))
    dynamodb = boto3.client("dynamodb")
    for share in dynamodb.query(
        TableName=table_name(),
        KeyConditionExpression="PK = :pk AND begins_with(SK, :budget)",
        ExpressionAttributeValues={":pk": {"S": "CAMPAIGN#launch"}, ":budget": {"S": "BUDGET#"}},
    )["Items"]:
        dynamodb.delete_item(TableName=table_name(), Key={"PK": share["PK"], "SK": share["SK"]})
    legacy = {"PK": "CAMPAIGN#launch", "SK": "BUDGET", "campaign_id": "launch", "spent": 150}
    dynamodb.put_item(TableName=table_name(), Item=to_item(legacy))
    campaign_store.forget()
    enroll(api, "m-1")
    enroll(api, "m-2")
    assert order(api, "o-1", "m-1")["bonuses"] == [{"campaign_id": "launch", "points": 100, "limited": False}]
    assert order(api, "o-2", "m-2")["bonuses"][0]["points"] == 0
    read = admin_api.get("/v1/admin/campaigns/launch").body
    assert (read["spent_points"], read["remaining_points"]) == (250, 0)


def test_a_campaign_without_a_budget_shows_no_remaining_points(admin_api: Api, api: Api) -> None:
    configure(admin_api, campaign(multiplier=2))
    read = admin_api.get("/v1/admin/campaigns/launch")
    assert read.status == 200 and read.body["remaining_points"] is None and read.body["spent_points"] == 0
    missing = admin_api.get("/v1/admin/campaigns/nope")
    assert missing.status == 404 and missing.body["code"] == "not_found"
    assert api.get("/v1/admin/campaigns/launch").status == 403


def test_per_member_limit_counts_the_orders_that_benefited(admin_api: Api, api: Api) -> None:
    configure(admin_api, campaign(multiplier=3, bonus_points=5, per_member_limit=2))
    enroll(api, "m-1")
    enroll(api, "m-2")
    points = [order(api, f"o-{i}")["points"] for i in range(1, 4)]
    assert points == [35, 35, 10]  # $10 x3 + 5, twice; then the plain rate
    assert order(api, "o-4", "m-2")["points"] == 35  # another member has their own count
    third = api.get("/v1/orders/o-3").body
    assert third["bonuses"] == [] and third["breakdown"][0]["rules"] == ["base:1/unit"]


def test_min_order_minor_is_judged_on_the_net_amount(admin_api: Api, api: Api) -> None:
    configure(admin_api, campaign(bonus_points=40, min_order_minor=5_000))
    enroll(api)
    assert order(api, "o-1", price=5_000)["points"] == 50 + 40
    assert order(api, "o-2", price=5_500, discount=600)["points"] == 49  # $49 paid: below the minimum
    assert order(api, "o-3", price=4_999)["bonuses"] == []


def test_skus_give_the_bonus_only_to_orders_holding_one(admin_api: Api, api: Api) -> None:
    configure(
        admin_api, campaign(bonus_points=200, skus=["SKU-000"]), campaign(campaign_id="x", multiplier=2, skus=["B"])
    )
    enroll(api)
    assert order(api, "o-1", sku="SKU-000")["points"] == 10 + 200
    assert order(api, "o-2", sku="OTHER")["points"] == 10
    doubled = order(api, "o-3", sku="B")
    assert doubled["points"] == 20 and doubled["breakdown"][0]["rules"] == ["base:1/unit", "campaign:xx2"]


def test_tiers_limit_a_campaign_to_their_members(admin_api: Api, api: Api) -> None:
    configure(admin_api, campaign(bonus_points=500, tiers=["Silver", "Gold"]))
    enroll(api)
    assert order(api, "o-1", price=100_000)["points"] == 1_000  # Bronze when it was placed: no bonus
    silver = order(api, "o-2")
    assert silver["member"]["tier"]["name"] == "Silver"
    assert silver["points"] == 12 + 500  # $10 x 1.25, floored, and the campaign's bonus


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"bonus_points": 10, "tiers": ["Platinum"]}, "campaign tiers must be names of the program's tiers"),
        ({"multiplier": 2, "budget_points": 100}, "a campaign with budget_points has bonus_points and no multiplier"),
        (
            {"multiplier": 2, "bonus_points": 5, "budget_points": 100},
            "a campaign with budget_points has bonus_points and no multiplier",
        ),
    ],
)
def test_inconsistent_campaign_limits_are_refused(admin_api: Api, fields: dict[str, Any], message: str) -> None:
    answer = admin_api.put("/v1/admin/program", program_document(campaigns=[campaign(**fields)]))
    assert answer.status == 422
    assert any(message in error["msg"] for error in answer.body["errors"]), answer.body


def test_a_budgeted_order_still_takes_two_round_trips(admin_api: Api, api: Api, aws: str) -> None:
    configure(admin_api, campaign(bonus_points=100, budget_points=1_000))
    enroll(api)
    from loyalty.models.order import OrderRequest
    from loyalty.services import accrual

    request = OrderRequest.model_validate(
        {
            "order_id": "o-1",
            "member_id": "m-1",
            "currency": "USD",
            "placed_at": PLACED,
            "lines": [{"sku": "A", "category": "shoes", "quantity": 1, "unit_price_minor": 1_000}],
        }
    )
    with DynamoCalls() as calls:
        accrual.accrue(request)
    assert calls.operations == ["Query", "TransactWriteItems"]
    if aws == "dynamodb-local":  # the share: one more item in the transaction, 2 write units
        assert 0 < calls.write_units <= 8


def test_once_a_budget_is_spent_later_orders_take_two_round_trips_and_write_no_share(admin_api: Api, api: Api) -> None:
    configure(admin_api, campaign(bonus_points=100, budget_points=100))
    enroll(api)
    order(api, "o-1")
    from loyalty.models.order import OrderRequest
    from loyalty.services import accrual

    calls_per_order = []
    for order_id in ("o-2", "o-3"):
        request = OrderRequest.model_validate(
            {
                "order_id": order_id,
                "member_id": "m-1",
                "currency": "USD",
                "placed_at": PLACED,
                "lines": [{"sku": "A", "category": "shoes", "quantity": 1, "unit_price_minor": 1_000}],
            }
        )
        with DynamoCalls() as calls:
            accrued = accrual.accrue(request)
        assert accrued.result.bonuses[0].points == 0 and accrued.result.bonuses[0].limited
        calls_per_order.append(calls.operations)
    # The first learns from the share's failed condition (one round trip more: the member read stands);
    # the second already knows.
    assert calls_per_order == [
        ["Query", "TransactWriteItems", "TransactWriteItems"],
        ["Query", "TransactWriteItems"],
    ]
    assert admin_api.get("/v1/admin/campaigns/launch").body["spent_points"] == 100
