"""Member cards through the emulated API Gateway: a card on first need, a point-of-sale lookup as a
cashier types it, a replacement that kills the old code, one owner per code, and erasure."""

from __future__ import annotations

from typing import Any

from harness.api import Api
from loyalty.domain import cards
from loyalty.domain.cards import Card, Issue
from loyalty.store import cards as card_store
from loyalty.store import keys, transactions
from loyalty.store.client import dynamodb, table_name, to_item
from loyalty.store.unit_of_work import Refused, Retry
from tests.conftest import table_items
from tests.service.handlers.test_auth import assert_problem


def enroll(api: Api, member_id: str) -> None:
    assert api.post("/v1/members", {"member_id": member_id, "email": f"{member_id}@example.com"}).status == 201


def card_of(api: Api, member_id: str) -> str:
    token = api.post(f"/v1/members/{member_id}/tokens", {"scope": ["read"]}).body["token"]
    code: str = Api(api.gateway.template, token).get("/v1/me").body["card_code"]
    return code


def typed(code: str) -> list[str]:
    """The ways a cashier types a code: lower case, in groups with spaces or dashes."""
    groups = [code[i : i + 4] for i in range(0, len(code), 4)]
    return [code, code.lower(), " ".join(groups), "-".join(groups).lower(), f" {'- '.join(groups)} "]


def test_every_member_gets_a_card_on_first_need_that_a_cashier_can_type(api: Api, ddb: Any) -> None:
    enroll(api, "ada")
    assert not [item for item in table_items(ddb) if item["PK"]["S"].startswith("CARD#")], "none at enrollment"
    code = card_of(api, "ada")
    guards = [item for item in table_items(ddb) if item["PK"]["S"].startswith("CARD#")]
    assert len(guards) == 1 and guards[0]["member_id"]["S"] == "ada"
    assert guards[0]["PK"]["S"] == f"CARD#{code}"
    assert 10 <= len(code) <= 16 and "ada" not in code.lower()
    for text in typed(code):
        found = api.get(f"/v1/cards/{text}")
        assert found.status == 200 and found.body["member_id"] == "ada", text
    assert card_of(api, "ada") == code, "the view read again issues no other card"
    assert api.post("/v1/members", {"member_id": "ada", "email": "ada@example.com"}).status == 200
    assert card_of(api, "ada") == code, "an enrollment's replay issues no other card"


def test_an_unknown_or_malformed_code_is_404_member_not_found(api: Api) -> None:
    enroll(api, "ada")
    for text in ("ZZZZ-ZZZZ-ZZZZ", "not a card", "0000000000", "x" * 64):
        assert_problem(api.get(f"/v1/cards/{text}"), 404, "member_not_found")
    assert_problem(Api(api.gateway.template).get("/v1/cards/ZZZZZZZZZZZZ"), 401, "unauthorized")


def test_a_replacement_kills_the_old_code(api: Api) -> None:
    enroll(api, "ada")
    old = card_of(api, "ada")
    replaced = api.post("/v1/members/ada/card")
    assert replaced.status == 201 and replaced.body["member_id"] == "ada"
    new = replaced.body["card_code"]
    assert new != old and replaced.headers["location"] == f"/v1/cards/{new}"
    assert_problem(api.get(f"/v1/cards/{old}"), 404, "member_not_found")
    assert api.get(f"/v1/cards/{new.lower()}").body["member_id"] == "ada"
    assert card_of(api, "ada") == new


def test_a_replacement_naming_the_card_it_replaces_is_safe_to_retry(api: Api) -> None:
    enroll(api, "ada")
    old = card_of(api, "ada")
    first = api.post("/v1/members/ada/card", {"replaces": old.lower()})
    assert first.status == 201
    retried = api.post("/v1/members/ada/card", {"replaces": old})
    assert retried.status == 200 and retried.body == first.body, "the retry answers the card the first one issued"
    assert_problem(api.post("/v1/members/ada/card", {"replaces": "ZZZZZZZZZZZZ"}), 409, "conflict")
    assert_problem(api.post("/v1/members/ada/card", {"replaces": "no"}), 422, "validation_error")
    assert_problem(api.post("/v1/members/nobody/card"), 404, "member_not_found")


def test_a_code_belongs_to_one_member_only(api: Api) -> None:
    enroll(api, "ada")
    enroll(api, "grace")
    taken = card_of(api, "ada")
    card_of(api, "grace")
    current = card_store.current("grace")
    assert current is not None
    plan = cards.plan_replacement(current, None, "grace", taken, "2026-11-30T12:00:00.000Z")
    assert isinstance(plan, Issue)
    refused = card_store.outcome(transactions.run(card_store.issue_items(plan)))
    assert isinstance(refused, Retry), "the guard of ada's code refuses grace's card"
    assert api.get(f"/v1/cards/{taken}").body["member_id"] == "ada"
    assert card_store.current("grace") == current, "nothing of the refused card was written"


def test_a_member_whose_card_went_missing_gets_one_on_first_need(api: Api) -> None:
    enroll(api, "ada")
    card_of(api, "ada")
    old = card_store.current("ada")
    assert old is not None
    for key in (keys.member_card("ada"), keys.card(old.code)):  # as members enrolled before cards existed
        dynamodb().delete_item(TableName=table_name(), Key=to_item(key))
    code = card_of(api, "ada")
    assert code != old.code and api.get(f"/v1/cards/{code}").body["member_id"] == "ada"
    assert card_of(api, "ada") == code


def test_erasure_removes_the_card_and_no_new_one_is_issued(api: Api, admin_api: Api, ddb: Any) -> None:
    enroll(api, "ada")
    code = card_of(api, "ada")
    assert admin_api.delete("/v1/admin/members/ada").status == 204
    assert_problem(api.get(f"/v1/cards/{code}"), 404, "member_not_found")
    assert not [item for item in table_items(ddb) if item["PK"]["S"].startswith("CARD#")]
    assert card_store.current("ada") is None
    late = Issue(Card("ada", "ZZZZZZZZZZZZ", "2026-11-30T12:00:00.000Z"), None)
    assert card_store.outcome(transactions.run(card_store.issue_items(late))) == Refused(card_store.INACTIVE)
    assert_problem(api.post("/v1/members/ada/card"), 409, "member_erased")
    assert admin_api.delete("/v1/admin/members/ada").status == 204, "erasure repeated: still fine"
