"""Member profile items, their email and referral-code guards, and the member partition read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from loyalty.store import keys, transactions
from loyalty.store.client import Item, dynamodb, from_item, table_name, to_item, to_value


@dataclass(frozen=True)
class MemberPartition:
    """The profile and every lot of a member, as one Query returns them."""

    profile: Item
    lots: list[Item] = field(default_factory=list)
    redeemed: dict[str, int] = field(default_factory=dict)  # reward_id -> redemptions counted


@dataclass(frozen=True)
class EnrollConflict:
    """Why an enrollment transaction was cancelled, with the items that stood in its way."""

    existing_member: Item | None
    email_owner: Item | None
    referral_clash: bool
    unknown_referrer: bool


def enroll(profile: Item, referrer_code: str | None) -> EnrollConflict | None:
    """Create the member, claim its email and its referral code in one transaction.

    Returns ``None`` on success, or what blocked it. The old member and email items come back with
    the cancellation (ReturnValuesOnConditionCheckFailure), so deciding between an idempotent replay
    and a conflict costs no extra read.
    """
    table = table_name()
    member_id = profile["member_id"]
    items: list[Any] = [
        {
            "Put": {
                "TableName": table,
                "Item": to_item({**keys.member(member_id), **profile}),
                "ConditionExpression": "attribute_not_exists(PK)",
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        },
        {
            "Put": {
                "TableName": table,
                "Item": to_item({**keys.email(profile["email"]), "member_id": member_id}),
                "ConditionExpression": "attribute_not_exists(PK)",
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        },
        {
            "Put": {
                "TableName": table,
                "Item": to_item({**keys.referral(profile["referral_code"]), "member_id": member_id}),
                "ConditionExpression": "attribute_not_exists(PK)",
            }
        },
    ]
    if referrer_code is not None:
        items.append(
            {
                "ConditionCheck": {
                    "TableName": table,
                    "Key": to_item(keys.referral(referrer_code)),
                    "ConditionExpression": "attribute_exists(PK)",
                }
            }
        )
    outcome = transactions.run(items)
    if outcome.written:
        return None
    if not outcome.failed:
        raise transactions.Contended("enrollment collided with a concurrent write")
    return EnrollConflict(
        existing_member=outcome.failed.get(0) if outcome.failed_at(0) else None,
        email_owner=outcome.failed.get(1) if outcome.failed_at(1) else None,
        referral_clash=outcome.failed_at(2),
        unknown_referrer=outcome.failed_at(3),
    )


def read_partition(member_id: str) -> MemberPartition | None:
    """Profile, lots and redemption counters in one strongly consistent Query."""
    paginator = dynamodb().get_paginator("query")
    profile: Item | None = None
    lots: list[Item] = []
    redeemed: dict[str, int] = {}
    for page in paginator.paginate(
        TableName=table_name(),
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": to_value(keys.member_partition(member_id))},
        ConsistentRead=True,
    ):
        for raw in page.get("Items", []):
            item = from_item(raw)
            if item["SK"] == keys.PROFILE:
                profile = item
            elif item["SK"].startswith("LOT#"):
                lots.append(item)
            elif item["SK"].startswith("REDEEMED#"):
                redeemed[item["SK"].removeprefix("REDEEMED#")] = int(item.get("count", 0))
    return MemberPartition(profile, lots, redeemed) if profile is not None else None


def read_profile(member_id: str) -> Item | None:
    answer = dynamodb().get_item(TableName=table_name(), Key=to_item(keys.member(member_id)), ConsistentRead=True)
    return from_item(answer["Item"]) if "Item" in answer else None


def update_profile(member_id: str, changes: Item, old_email: str, new_email: str | None) -> bool:
    """Apply profile changes; when the email changes, move its guard in the same transaction.

    Returns False when the new email is held by another member. The member update is conditioned on
    the email it was read with, so two concurrent email changes cannot both pass.
    """
    table = table_name()
    names = {f"#f{i}": name for i, name in enumerate(changes)}
    values = {f":v{i}": to_value(value) for i, value in enumerate(changes.values())}
    values[":old"] = to_value(old_email)
    values[":active"] = to_value("active")
    update = {
        "TableName": table,
        "Key": to_item(keys.member(member_id)),
        "UpdateExpression": "SET " + ", ".join(f"#f{i} = :v{i}" for i in range(len(changes))),
        "ConditionExpression": "#email = :old AND #status = :active",
        "ExpressionAttributeNames": {**names, "#email": "email", "#status": "status"},
        "ExpressionAttributeValues": values,
    }
    if new_email is None or new_email == old_email:
        dynamodb().update_item(**update)  # type: ignore[arg-type]
        return True
    items: list[Any] = [
        {"Update": update},
        {
            "Delete": {
                "TableName": table,
                "Key": to_item(keys.email(old_email)),
                "ConditionExpression": "member_id = :me",
                "ExpressionAttributeValues": {":me": to_value(member_id)},
            }
        },
        {
            "Put": {
                "TableName": table,
                "Item": to_item({**keys.email(new_email), "member_id": member_id}),
                "ConditionExpression": "attribute_not_exists(PK)",
            }
        },
    ]
    outcome = transactions.run(items)
    if outcome.written:
        return True
    if set(outcome.failed) == {2}:
        return False
    raise transactions.Contended("the profile changed while it was being updated")
