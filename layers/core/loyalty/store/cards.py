"""Member cards: one guard item per code (``CARD#<code>``, naming its member: the lookup and what keeps
codes unique) and the member's pointer to its current card (``MEMBER#<id>`` / ``CARD``).

Every write is one transaction whose conditions hold the invariants: a guard is only ever created where
none is, the pointer moves only from the card it was read with, an old guard is deleted only while it
still names the member, and a new card is only given to an active member (the profile's status), so an
erasure that deleted the member's card is never followed by a new one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from botocore.exceptions import ClientError

from loyalty.domain.cards import Card, Issue
from loyalty.store import keys, transactions
from loyalty.store.client import Item, condition_failed, dynamodb, from_item, table_name, to_item, to_value
from loyalty.store.transactions import TxItem

Written = Literal["written", "retry", "inactive"]


def _card(item: Item) -> Card:
    return Card(
        member_id=keys.member_id_of(str(item["PK"])),
        code=str(item["card_code"]),
        issued_at=str(item["issued_at"]),
        previous=tuple(str(code) for code in item.get("previous") or ()),
    )


def current(member_id: str) -> Card | None:
    """The member's current card (strongly consistent: a replacement just answered is seen)."""
    answer = dynamodb().get_item(TableName=table_name(), Key=to_item(keys.member_card(member_id)), ConsistentRead=True)
    return _card(from_item(answer["Item"])) if "Item" in answer else None


def owner(code: str) -> str | None:
    """The member a code belongs to now. Strongly consistent: a replaced code stops working the moment
    its replacement has answered."""
    answer = dynamodb().get_item(TableName=table_name(), Key=to_item(keys.card(code)), ConsistentRead=True)
    return str(from_item(answer["Item"])["member_id"]) if "Item" in answer else None


def _guard_put(card: Card) -> TxItem:
    item = {**keys.card(card.code), "member_id": card.member_id, "issued_at": card.issued_at}
    return TxItem(
        "guard",
        {"Put": {"TableName": table_name(), "Item": to_item(item), "ConditionExpression": "attribute_not_exists(PK)"}},
    )


def _pointer_put(card: Card, replaced: str | None) -> TxItem:
    item = {
        **keys.member_card(card.member_id),
        "card_code": card.code,
        "issued_at": card.issued_at,
        "previous": list(card.previous) or None,
    }
    request: dict[str, object] = {"TableName": table_name(), "Item": to_item(item)}
    if replaced is None:
        request["ConditionExpression"] = "attribute_not_exists(PK)"
    else:
        request["ConditionExpression"] = "card_code = :replaced"
        request["ExpressionAttributeValues"] = {":replaced": to_value(replaced)}
    return TxItem("pointer", {"Put": request})


def _member_active(member_id: str) -> TxItem:
    return TxItem(
        "member",
        {
            "ConditionCheck": {
                "TableName": table_name(),
                "Key": to_item(keys.member(member_id)),
                "ConditionExpression": "#status = :active",
                "ExpressionAttributeNames": {"#status": "status"},
                "ExpressionAttributeValues": {":active": to_value("active")},
            }
        },
    )


def _guard_delete(code: str, member_id: str) -> TxItem:
    return TxItem(
        "old_guard",
        {
            "Delete": {
                "TableName": table_name(),
                "Key": to_item(keys.card(code)),
                "ConditionExpression": "member_id = :member",
                "ExpressionAttributeValues": {":member": to_value(member_id)},
            }
        },
    )


def enrollment_items(card: Card) -> Sequence[TxItem]:
    """The first card of a member being enrolled, for the enrollment's own transaction (which creates
    the profile, so it cannot also check it). A clash of codes cancels the enrollment like a clash of
    referral codes: the use case tries again with new random codes."""
    return [_guard_put(card), _pointer_put(card, None)]


def issue(plan: Issue) -> Written:
    """A member's first or next card, in one transaction: ``retry`` when the pointer moved since it was
    read or the new code is taken (read again, draw another); ``inactive`` when the member is not active."""
    items = [_guard_put(plan.card), _pointer_put(plan.card, plan.replaced), _member_active(plan.card.member_id)]
    if plan.replaced is not None:
        items.append(_guard_delete(plan.replaced, plan.card.member_id))
    result = transactions.run(items)
    if result.written:
        return "written"
    return "inactive" if result.failed_role("member") else "retry"


def forget(member_id: str) -> None:
    """Erasure: the member's card stops working and its pointer goes (each delete safe to repeat)."""
    card = current(member_id)
    if card is None:
        return
    try:
        dynamodb().delete_item(
            TableName=table_name(),
            Key=to_item(keys.card(card.code)),
            ConditionExpression="member_id = :member",
            ExpressionAttributeValues={":member": to_value(member_id)},
        )
    except ClientError as error:
        if not condition_failed(error):
            raise
    dynamodb().delete_item(TableName=table_name(), Key=to_item(keys.member_card(member_id)))
