"""The shoppers' front door through the emulated API Gateway: member tokens open their member's /v1/me
routes and nothing else, and the views say what the contract says."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

import boto3
import pytest

from harness.api import Api, member_token
from harness.counting import DynamoCalls
from loyalty.adapters import clock
from loyalty.domain import member_tokens as tokens
from loyalty.domain.member_tokens import Claims
from loyalty.services import member_tokens
from tests.conftest import table_items
from tests.service.handlers.test_auth import ADMIN_ROUTES, STOREFRONT_ROUTES, assert_problem
from tests.service.handlers.test_redemptions_api import order

ME_ROUTES = [
    ("GET", "/v1/me"),
    ("GET", "/v1/me/rewards"),
    ("GET", "/v1/me/redemptions"),
    ("POST", "/v1/me/redemptions"),
    ("GET", "/v1/me/activity"),
    ("GET", "/v1/me/ways-to-earn"),
    ("GET", "/v1/me/balance"),
]


token_for = member_token


@pytest.fixture
def ada(api: Api) -> Api:
    """Ada (250 points) and Grace (enrolled too), and a client holding a token of Ada's."""
    assert api.post("/v1/members", {"member_id": "ada", "email": "ada@example.com", "name": "Ada"}).status == 201
    assert api.post("/v1/members", {"member_id": "grace", "email": "grace@example.com"}).status == 201
    assert api.post("/v1/orders", order("o-1", "ada", 25_000)).status == 201
    return Api(api.gateway.template, token_for(api, "ada"))


def test_a_token_is_issued_for_a_member_with_its_expiry(api: Api, ada: Api) -> None:
    answer = api.post("/v1/members/ada/tokens", {"ttl_seconds": 600, "scope": ["read"]})
    assert answer.status == 201 and set(answer.body) == {"token", "expires_at"}
    assert answer.body["expires_at"].endswith("Z")
    for ttl in (59, 86_401):
        assert_problem(api.post("/v1/members/ada/tokens", {"ttl_seconds": ttl}), 422, "validation_error")
    assert_problem(api.post("/v1/members/ada/tokens", {"scope": ["admin"]}), 422, "validation_error")
    assert_problem(api.post("/v1/members/ada/tokens", {"scope": []}), 422, "validation_error")
    assert_problem(api.post("/v1/members/ada/tokens", {"scope": ["read", "read"]}), 422, "validation_error")
    assert_problem(api.post("/v1/members/nobody/tokens", {}), 404, "member_not_found")
    assert_problem(Api(api.gateway.template).post("/v1/members/ada/tokens", {}), 401, "unauthorized")


def test_me_shows_the_balance_its_value_the_tier_what_expires_and_the_card(ada: Api) -> None:
    me = ada.get("/v1/me")
    assert me.status == 200
    assert me.body["member_id"] == "ada" and me.body["name"] == "Ada"
    assert me.body["points"] == {"available": 250, "pending": 0, "value_minor": 250, "currency": "USD"}
    assert me.body["tier"] == {"name": "Bronze", "multiplier": 1.0, "perks": []}
    assert me.body["next_tier"] == {"name": "Silver", "points_needed": 750, "threshold": 1000}
    assert me.body["expiring"] == [{"points": 250, "expires_on": "2027-11-22"}]
    assert len(me.body["referral_code"]) >= 4 and 10 <= len(me.body["card_code"]) <= 16
    assert "email" not in me.body


@pytest.mark.parametrize(("method", "path"), STOREFRONT_ROUTES + ADMIN_ROUTES)
def test_a_token_reaches_no_route_but_its_members_me_routes(ada: Api, method: str, path: str) -> None:
    assert_problem(ada.call(method, path, {}), 403, "forbidden")


def test_a_token_cannot_read_another_member(ada: Api) -> None:
    for path in ("/v1/members/grace", "/v1/members/grace/activity", "/v1/members/ada"):
        assert_problem(ada.get(path), 403, "forbidden")
    assert ada.get("/v1/me").body["member_id"] == "ada"


@pytest.mark.parametrize(("method", "path"), ME_ROUTES)
def test_a_key_on_the_me_routes_is_refused(api: Api, admin_api: Api, ada: Api, method: str, path: str) -> None:
    assert_problem(api.call(method, path, {}), 403, "forbidden")
    assert_problem(admin_api.call(method, path, {}), 403, "forbidden")
    assert_problem(Api(api.gateway.template).call(method, path, {}), 401, "unauthorized")


def test_a_tampered_or_foreign_token_is_401(ada: Api) -> None:
    token = str(ada.key)
    header, claims, signature = token.split(".")
    kid = tokens.key_id_of(token)
    assert kid is not None
    grace = Claims("grace", frozenset({"read", "redeem"}), 0, 2**40, "t-x")
    forged = [
        f"{header}.{claims}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}",
        f"{header}.{tokens.encode(grace, kid, b'x').split('.')[1]}.{signature}",
        tokens.encode(grace, kid, b"another deployment's key"),
        tokens.encode(grace, "not-a-version-of-ours", b"another deployment's key"),
        "eyJhbGciOiJub25lIn0.eyJzdWIiOiJncmFjZSJ9.",
    ]
    for value in forged:
        assert_problem(ada.get("/v1/me", key=value), 401, "unauthorized")


def test_an_expired_token_is_401_token_expired(api: Api, ada: Api) -> None:
    short = Api(api.gateway.template, token_for(api, "ada", ttl_seconds=60))
    assert short.get("/v1/me").status == 200
    later = clock.now() + timedelta(seconds=61)
    clock.set_clock(lambda: later)
    assert_problem(short.get("/v1/me"), 401, "token_expired")
    assert ada.get("/v1/me").status == 200  # an hour's token still works


def test_a_token_of_an_erased_member_is_401(admin_api: Api, ada: Api) -> None:
    assert admin_api.delete("/v1/admin/members/ada").status == 204
    for method, path in ME_ROUTES:
        assert_problem(ada.call(method, path, {"redemption_id": "x-1", "reward_id": "coffee"}), 401, "unauthorized")


def test_redeeming_needs_scope_redeem_and_is_idempotent(api: Api, admin_api: Api, ada: Api) -> None:
    admin_api.put("/v1/admin/rewards/coffee", {"name": "Coffee", "kind": "voucher", "cost_points": 100})
    reader = Api(api.gateway.template, token_for(api, "ada", scope=["read"]))
    body = {"redemption_id": "x-1", "reward_id": "coffee"}
    assert_problem(reader.post("/v1/me/redemptions", body), 403, "forbidden")
    assert reader.get("/v1/me").status == 200
    first = ada.post("/v1/me/redemptions", body)
    assert first.status == 201 and first.body["member_id"] == "ada" and first.body["points_spent"] == 100
    assert first.headers["location"] == f"/v1/vouchers/{first.body['code']}"
    again = ada.post("/v1/me/redemptions", body)
    assert again.status == 200 and again.body["code"] == first.body["code"]
    assert ada.get("/v1/me").body["points"]["available"] == 150
    [voucher] = ada.get("/v1/me/redemptions").body["items"]
    assert voucher["redemption_id"] == "x-1"
    redeemed, earned = ada.get("/v1/me/activity").body["items"]
    # The write records the key that asked for the token: the storefront's, which also posted the order.
    assert (
        redeemed["kind"] == "redeem" and redeemed["key_id"] == earned["key_id"] and earned["key_id"].startswith("key_")
    )
    assert_problem(ada.post("/v1/me/redemptions", {"redemption_id": "x-1"}), 422, "validation_error")


def test_too_many_redemption_attempts_are_429_in_every_process(api: Api, admin_api: Api, ada: Api, ddb: Any) -> None:
    admin_api.put("/v1/admin/rewards/car", {"name": "Car", "kind": "voucher", "cost_points": 10**6})
    for attempt in range(10):
        refused = ada.post("/v1/me/redemptions", {"redemption_id": f"x-{attempt}", "reward_id": "car"})
        assert_problem(refused, 409, "insufficient_points")
    limited = ada.post("/v1/me/redemptions", {"redemption_id": "x-10", "reward_id": "car"})
    assert_problem(limited, 429, "rate_limited")
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    # The count is DynamoDB's, not this process's: a fresh process (a cold Lambda) counts on from it.
    counters = [item for item in table_items(ddb) if item["SK"]["S"].startswith("ATTEMPTS#redeem#")]
    assert [int(item["attempts"]["N"]) for item in counters] == [10] and "ttl" in counters[0]
    assert api.post("/v1/members/ada/redemptions", {"redemption_id": "s-1", "reward_id": "car"}).status == 409
    next_window = clock.now() + timedelta(seconds=int(limited.headers["retry-after"]))
    clock.set_clock(lambda: next_window)
    assert_problem(
        ada.post("/v1/me/redemptions", {"redemption_id": "x-11", "reward_id": "car"}), 409, "insufficient_points"
    )


def test_rewards_say_what_the_member_can_afford_and_what_it_lacks(admin_api: Api, ada: Api) -> None:
    admin_api.put("/v1/admin/rewards/coffee", {"name": "Coffee", "kind": "voucher", "cost_points": 100})
    admin_api.put("/v1/admin/rewards/bag", {"name": "Bag", "kind": "voucher", "cost_points": 400})
    admin_api.put("/v1/admin/rewards/vip", {"name": "VIP", "kind": "voucher", "cost_points": 10, "min_tier": "Gold"})
    items = {item["reward_id"]: item for item in ada.get("/v1/me/rewards").body["items"]}
    assert (items["coffee"]["affordable"], items["coffee"]["points_missing"]) == (True, 0)
    assert (items["bag"]["affordable"], items["bag"]["points_missing"]) == (False, 150)
    assert (items["vip"]["affordable"], items["vip"]["points_missing"]) == (False, 0)
    assert items["coffee"]["cost_points"] == 100 and items["coffee"]["name"] == "Coffee"


def test_ways_to_earn_lists_the_campaigns_the_member_qualifies_for_with_their_end(admin_api: Api, ada: Api) -> None:
    from harness.programs import program_document

    campaigns = [
        {
            "campaign_id": "double",
            "multiplier": 2,
            "starts_at": "2026-11-01T00:00:00Z",
            "ends_at": "2026-12-31T00:00:00Z",
        },
        {
            "campaign_id": "gold-only",
            "bonus_points": 50,
            "tiers": ["Gold"],
            "starts_at": "2026-11-01T00:00:00Z",
            "ends_at": "2026-12-31T00:00:00Z",
        },
        {
            "campaign_id": "over",
            "bonus_points": 5,
            "starts_at": "2026-01-01T00:00:00Z",
            "ends_at": "2026-02-01T00:00:00Z",
        },
    ]
    document = program_document(campaigns=campaigns, event_rules=[{"type": "review", "points": 25}])
    assert admin_api.put("/v1/admin/program", document).status == 200
    ways = ada.get("/v1/me/ways-to-earn").body
    assert ways["points_per_unit"] == "1" and ways["currency"] == "USD"
    by_kind = {(rule["kind"], rule["label"]): rule for rule in ways["rules"]}
    assert by_kind[("campaign", "double")]["multiplier"] == 2 and by_kind[("campaign", "double")]["ends_at"] == (
        "2026-12-31T00:00:00.000Z"
    )
    assert ("campaign", "gold-only") not in by_kind and ("campaign", "over") not in by_kind
    assert by_kind[("category", "electronics")]["multiplier"] == 2
    assert by_kind[("event", "review")]["points"] == 25


def test_the_balance_explains_available_by_expiry_day_and_lists_what_is_pending(admin_api: Api, api: Api) -> None:
    from harness.programs import program_document

    assert admin_api.put("/v1/admin/program", program_document(pending_days=14)).status == 200
    assert api.post("/v1/members", {"member_id": "ada", "email": "ada@example.com"}).status == 201
    assert api.post("/v1/orders", order("o-1", "ada", 12_000)).status == 201
    ada = Api(api.gateway.template, token_for(api, "ada"))
    with DynamoCalls() as calls:
        balance = ada.get("/v1/me/balance").body
    assert balance["available"] == 0 and balance["lots"] == []
    assert balance["pending"] == [{"order_id": "o-1", "points": 120, "available_at": "2026-12-06T05:00:00.000Z"}]
    assert calls.operations == ["Query", "Query"]  # the lots, then (points are pending) the newest orders


def test_checking_a_token_reads_nothing_from_dynamodb(ada: Api) -> None:
    with DynamoCalls() as calls:
        context = member_tokens.token_caller(f"Bearer {ada.key}")
    assert context is not None and context["scope"] == "member" and context["member_id"] == "ada"
    assert calls.operations == []


def test_a_rotation_ends_no_token_early_and_the_second_one_retires_the_first_key(api: Api, ada: Api) -> None:
    secret_id = os.environ["MEMBER_TOKEN_SECRET_ID"]
    secrets = boto3.client("secretsmanager")

    def rotate() -> None:
        secrets.put_secret_value(SecretId=secret_id, SecretString=os.urandom(32).hex())
        member_tokens.forget()  # as a warm process's copy ages out (MEMBER_TOKEN_KEY_CACHE_SECONDS)

    rotate()
    assert ada.get("/v1/me").status == 200, "signed with the previous version: still good"
    newer = Api(api.gateway.template, token_for(api, "ada"))
    assert tokens.key_id_of(str(newer.key)) != tokens.key_id_of(str(ada.key))
    assert newer.get("/v1/me").status == 200
    rotate()
    assert_problem(ada.get("/v1/me"), 401, "unauthorized")
    assert newer.get("/v1/me").status == 200


def test_a_token_of_a_key_this_process_has_not_seen_yet_is_read_again(api: Api, ada: Api) -> None:
    """Another process signed with a version put after this one read its keys: the unknown kid makes
    it read them again (at once: its copy is older than MEMBER_TOKEN_KEY_REFRESH_SECONDS)."""
    assert ada.get("/v1/me").status == 200  # this process has read the keys
    secret_id = os.environ["MEMBER_TOKEN_SECRET_ID"]
    put = boto3.client("secretsmanager").put_secret_value(SecretId=secret_id, SecretString="n" * 64)
    claims = Claims("ada", frozenset({"read"}), int(clock.now().timestamp()), int(clock.now().timestamp()) + 60, "t")
    elsewhere = tokens.encode(claims, put["VersionId"], b"n" * 64)
    (read_at, ring) = next(iter(member_tokens._read_at.values()))
    member_tokens._read_at[secret_id] = (read_at - 60, ring)  # older than the refresh interval
    assert ada.get("/v1/me", key=elsewhere).status == 200


def test_cors_answers_the_widget_origins_only(api: Api, ada: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    from local.apigw import Request
    from local.gateway import Gateway

    monkeypatch.setenv("WIDGET_ORIGINS", "https://shop.example.com, https://www.example.com")
    gateway = Gateway(api.gateway.template)
    preflight = Request(
        "OPTIONS",
        "/v1/me",
        headers=[("Origin", "https://shop.example.com"), ("Access-Control-Request-Method", "GET")],
    )
    answer = gateway.handle(preflight, "localhost")
    headers = dict(answer.headers)
    assert answer.status == 204 and headers["Access-Control-Allow-Origin"] == "https://shop.example.com"
    assert "authorization" in headers["Access-Control-Allow-Headers"]
    other = Request(
        "OPTIONS", "/v1/me", headers=[("Origin", "https://evil.example"), ("Access-Control-Request-Method", "GET")]
    )
    assert "Access-Control-Allow-Origin" not in dict(gateway.handle(other, "localhost").headers)
    get = Request(
        "GET", "/v1/me", headers=[("Origin", "https://www.example.com"), ("Authorization", f"Bearer {ada.key}")]
    )
    answered = gateway.handle(get, "localhost")
    assert answered.status == 200 and dict(answered.headers)["Access-Control-Allow-Origin"] == "https://www.example.com"
