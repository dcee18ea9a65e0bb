"""Due work: reading a day bucket's shard page by page, and the writes that settle what it holds.

Buckets live in three indexes (GSI2: orders to mature and lots to expire, on the items themselves;
GSI3: dormancy checks and GSI4: tier reviews, keys only, on member profiles). Settling an item always
takes it out of its bucket in the same write, so a bucket that was handled reads empty the next time.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from loyalty.domain.balances import Balances
from loyalty.store import keys, transactions
from loyalty.store.client import Item, dynamodb, from_item, table_name, to_item, to_value
from loyalty.store.orders import member_update

INDEX_OF_KIND = {"MATURE": "GSI2", "EXPIRE": "GSI2", "DORMANT": "GSI3", "TIER": "GSI4"}
BATCH_GET_KEYS = 100  # BatchGetItem's limit
PAGE_SIZE = BATCH_GET_KEYS  # so one page's members come in one BatchGetItem
BATCH_GET_ATTEMPTS = 8

# What the jobs need of a member profile, never the whole item (earned_by_day can be large).
PROFILE_FIELDS = (
    "member_id",
    "#status",
    "email",
    "#name",
    "locale",
    "marketing_opt_in",
    "available",
    "pending",
    "lifetime_earned",
    "debt",
    "earned_by_day",
    "version",
    "tier",
    "tier_since",
    "last_activity_at",
    "last_email_on",
    "last_email_kind",
    "reminded_until",
    "GSI3PK",
    "GSI4PK",
)


@dataclass(frozen=True)
class Page:
    items: list[Item]
    next_start: dict[str, Any] | None  # the raw LastEvaluatedKey, None when the shard is done


def page(kind: str, day: str, shard: int, start: dict[str, Any] | None, limit: int | None = None) -> Page:
    """One page of a bucket's shard. Index reads are eventually consistent: every settling write is
    conditioned on what was read, and re-reads the item when the condition says it changed."""
    index = INDEX_OF_KIND[kind]
    request: dict[str, Any] = {
        "TableName": table_name(),
        "IndexName": index,
        "KeyConditionExpression": "#pk = :pk",
        "ExpressionAttributeNames": {"#pk": f"{index}PK"},
        "ExpressionAttributeValues": {":pk": to_value(keys.due_partition(kind, day, shard))},
        "Limit": limit or PAGE_SIZE,
    }
    if start:
        request["ExclusiveStartKey"] = start
    answer = dynamodb().query(**request)
    return Page([from_item(item) for item in answer.get("Items", [])], answer.get("LastEvaluatedKey"))


def member_id_of(item: Item) -> str:
    return str(item["PK"]).removeprefix("MEMBER#")


def profiles(member_ids: Iterable[str]) -> dict[str, Item]:
    """Member profiles by id, strongly consistent, at most 100 per call (one page's worth)."""
    wanted = sorted(set(member_ids))
    found: dict[str, Item] = {}
    for start in range(0, len(wanted), BATCH_GET_KEYS):
        request: dict[str, Any] = {
            table_name(): {
                "Keys": [to_item(keys.member(member_id)) for member_id in wanted[start : start + BATCH_GET_KEYS]],
                "ConsistentRead": True,
                "ProjectionExpression": ", ".join(PROFILE_FIELDS),
                "ExpressionAttributeNames": {"#status": "status", "#name": "name"},
            }
        }
        for attempt in range(BATCH_GET_ATTEMPTS):
            answer = dynamodb().batch_get_item(RequestItems=request)
            for raw in answer.get("Responses", {}).get(table_name(), []):
                item = from_item(raw)
                found[str(item["member_id"])] = item
            request = dict(answer.get("UnprocessedKeys") or {})
            if not request:
                break
            time.sleep(min(0.05 * 2**attempt, 1.0))  # throttled: back off, as DynamoDB asks
        else:
            raise RuntimeError("BatchGetItem left keys unprocessed after every attempt")
    return found


def get_item(key: dict[str, str]) -> Item | None:
    answer = dynamodb().get_item(TableName=table_name(), Key=to_item(key), ConsistentRead=True)
    return from_item(answer["Item"]) if "Item" in answer else None


# --- maturing ----------------------------------------------------------------------------------------

MATURE_ORDER, MATURE_LOT, MATURE_MEMBER = 0, 1, 2


def mature(order: Item, points: int, at: str) -> transactions.Outcome:
    """Pending -> available for one order: the order leaves its bucket, its lot and its member move
    ``points`` from pending to available. The member update is arithmetic (no read of the member):
    pending can only go down by what this order still holds, and it bumps ``version`` so a writer that
    read the member before this change retries."""
    order_update: dict[str, Any] = {
        "Update": {
            "TableName": table_name(),
            "Key": to_item(keys.order(str(order["order_id"]))),
            "UpdateExpression": (
                "SET #status = :available, pending_left = :zero, matured_at = :at, version = version + :one "
                "REMOVE GSI2PK, GSI2SK"
            ),
            "ConditionExpression": "#status = :pending AND version = :version AND pending_left = :points",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": {
                ":available": to_value("available"),
                ":pending": to_value("pending"),
                ":zero": to_value(0),
                ":one": to_value(1),
                ":at": to_value(at),
                ":version": to_value(int(order.get("version", 0))),
                ":points": to_value(points),
            },
        }
    }
    items = [order_update]
    if points > 0:
        move = {":points": to_value(points), ":minus": to_value(-points)}
        items.append(
            {
                "Update": {
                    "TableName": table_name(),
                    "Key": to_item(keys.lot(str(order["member_id"]), str(order["lot"]))),
                    "UpdateExpression": "ADD available :points, pending :minus",
                    "ConditionExpression": "pending >= :points",
                    "ExpressionAttributeValues": move,
                }
            }
        )
        items.append(
            {
                "Update": {
                    "TableName": table_name(),
                    "Key": to_item(keys.member(str(order["member_id"]))),
                    "UpdateExpression": "ADD available :points, pending :minus, version :one",
                    "ConditionExpression": "pending >= :points AND #status = :active",
                    "ExpressionAttributeNames": {"#status": "status"},
                    "ExpressionAttributeValues": {**move, ":one": to_value(1), ":active": to_value("active")},
                }
            }
        )
    return transactions.run(items)


# --- expiry ------------------------------------------------------------------------------------------

EXPIRE_ENTRY, EXPIRE_LOT, EXPIRE_MEMBER = 0, 1, 2


def expire(lot: Item, profile: Item, points: int, after: Balances, due_day: str, entry: Item) -> transactions.Outcome:
    """One lot's expiry: its ledger entry (written once, by its key), the lot emptied of what it still
    held and taken out of its bucket, and the member's balance (version-checked)."""
    member_id = str(lot["member_id"])
    expires_on = str(lot["expires_on"])
    due_pk = keys.due_partition("EXPIRE", due_day, keys.shard_of(member_id))
    items: list[dict[str, Any]] = [
        {
            "Put": {
                "TableName": table_name(),
                "Item": to_item({**keys.expiry_entry(member_id, expires_on, due_day), **entry}),
                "ConditionExpression": "attribute_not_exists(PK)",
            }
        },
        {
            "Update": {
                "TableName": table_name(),
                "Key": to_item(keys.lot(member_id, expires_on)),
                "UpdateExpression": "ADD available :minus REMOVE GSI2PK, GSI2SK",
                # Exactly what was read, still in this bucket: a redemption or a cancellation since then
                # makes the job read the lot again.
                "ConditionExpression": "available = :seen AND GSI2PK = :due",
                "ExpressionAttributeValues": {
                    ":minus": to_value(-points),
                    ":seen": to_value(int(lot.get("available", 0))),
                    ":due": to_value(due_pk),
                },
            }
        },
        member_update(member_id, int(profile.get("version", 0)), after),
    ]
    return transactions.run(items)


def clear_expiry(lot: Item, due_day: str) -> bool:
    """Take a lot with nothing left to expire out of its bucket; False if it changed meanwhile."""
    member_id = str(lot["member_id"])
    return _update_if(
        keys.lot(member_id, str(lot["expires_on"])),
        "REMOVE GSI2PK, GSI2SK",
        "available = :seen AND GSI2PK = :due",
        {
            ":seen": to_value(int(lot.get("available", 0))),
            ":due": to_value(keys.due_partition("EXPIRE", due_day, keys.shard_of(member_id))),
        },
    )


# --- member due keys (GSI3 dormancy checks, GSI4 tier reviews) ---------------------------------------


def move_member_key(member_id: str, index: str, seen_pk: str | None, new_keys: dict[str, str] | None) -> bool:
    """Move a profile's GSI3/GSI4 entry to another day (or out of the index when ``new_keys`` is None),
    unless someone moved it since it was read (then their date stands)."""
    names = {"#pk": f"{index}PK", "#sk": f"{index}SK"}
    values: dict[str, Any] = {}
    if new_keys is None:
        expression = "REMOVE #pk, #sk"
    else:
        expression = "SET #pk = :new_pk, #sk = :new_sk"
        values[":new_pk"] = to_value(new_keys[f"{index}PK"])
        values[":new_sk"] = to_value(new_keys[f"{index}SK"])
    if seen_pk is None:
        condition = "attribute_exists(PK) AND attribute_not_exists(#pk)"
    else:
        condition = "#pk = :seen"
        values[":seen"] = to_value(seen_pk)
    return _update_if(keys.member(member_id), expression, condition, values, names)


def change_tier(
    member_id: str, version: int, tier: str, tier_since: str | None, review_keys: dict[str, str] | None
) -> bool:
    """A tier review's downgrade, version-checked (accrual reads the tier for its multiplier)."""
    sets = ["tier = :tier", "version = :next"]
    removes = []
    values: dict[str, Any] = {
        ":tier": to_value(tier),
        ":next": to_value(version + 1),
        ":read": to_value(version),
        ":active": to_value("active"),
    }
    if tier_since is None:
        removes.append("tier_since")
    else:
        sets.append("tier_since = :since")
        values[":since"] = to_value(tier_since)
    if review_keys is None:
        removes += ["GSI4PK", "GSI4SK"]
    else:
        sets += ["GSI4PK = :pk", "GSI4SK = :sk"]
        values[":pk"] = to_value(review_keys["GSI4PK"])
        values[":sk"] = to_value(review_keys["GSI4SK"])
    expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
    return _update_if(
        keys.member(member_id), expression, "version = :read AND #status = :active", values, {"#status": "status"}
    )


def _update_if(
    key: dict[str, str],
    expression: str,
    condition: str,
    values: dict[str, Any],
    names: dict[str, str] | None = None,
) -> bool:
    request: dict[str, Any] = {
        "TableName": table_name(),
        "Key": to_item(key),
        "UpdateExpression": expression,
        "ConditionExpression": condition,
    }
    if values:
        request["ExpressionAttributeValues"] = values
    if names:
        request["ExpressionAttributeNames"] = names
    try:
        dynamodb().update_item(**request)
    except dynamodb().exceptions.ConditionalCheckFailedException:
        return False
    return True
