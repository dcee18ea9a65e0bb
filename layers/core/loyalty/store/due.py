"""Due work: reading a day bucket's shard page by page, and the writes that settle what it holds.

Buckets live in four indexes (GSI2: orders to mature and lots by their last day, on the items
themselves; GSI3: dormancy checks and GSI4: tier reviews, keys only, on member profiles; GSI5: members by
the day their soonest points expire, with what expiring them needs). Settling an item always takes it
out of its bucket in the same write, so a bucket that was handled reads empty the next time.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from loyalty.store import keys, transactions
from loyalty.store.client import Item, dynamodb, from_item, table_name, to_item, to_value

INDEX_OF_KIND = {"MATURE": "GSI2", "EXPIRE": "GSI2", "DORMANT": "GSI3", "TIER": "GSI4", "EXPIRY": "GSI5"}
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


def mature(order: Item, points: int, at: str, expiry_day: str | None, *, sooner: bool = False) -> transactions.Outcome:
    """Pending -> available for one order: the order leaves its bucket, its lot and its member move
    ``points`` from pending to available. The member update is arithmetic (no read of the member):
    pending can only go down by what this order still holds, and it bumps ``version`` so a writer that
    read the member before this change retries.

    The points join the member's expiry schedule, and ``expiry_day`` (their bucket) becomes the member's
    expiry key unless an earlier one is set. Without a read that takes two forms: by default the key is
    kept when it is no later (or set when there is none); ``sooner`` replaces a later one. One of the
    two conditions always holds, so a caller whose first form failed on the member tries the other."""
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
        member_id = str(order["member_id"])
        move = {":points": to_value(points), ":minus": to_value(-points)}
        items.append(
            {
                "Update": {
                    "TableName": table_name(),
                    "Key": to_item(keys.lot(member_id, str(order["lot"]))),
                    "UpdateExpression": "ADD available :points, pending :minus",
                    "ConditionExpression": "pending >= :points",
                    "ExpressionAttributeValues": move,
                }
            }
        )
        member: dict[str, Any] = {
            "TableName": table_name(),
            "Key": to_item(keys.member(member_id)),
            "UpdateExpression": "ADD available :points, pending :minus, version :one",
            "ConditionExpression": "pending >= :points AND #status = :active",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": {**move, ":one": to_value(1), ":active": to_value("active")},
        }
        if expiry_day is not None:
            _schedule(member, str(order["lot"]), expiry_day, keys.expiry_check(expiry_day, member_id), sooner)
        items.append({"Update": member})
    return transactions.run(items)


def _schedule(member: dict[str, Any], lot_day: str, expiry_day: str, key: dict[str, str], sooner: bool) -> None:
    """Add the matured points to ``expiry_schedule`` in place and point the expiry key at ``expiry_day``
    when it is the member's soonest."""
    names, values = member["ExpressionAttributeNames"], member["ExpressionAttributeValues"]
    names.update({"#schedule": "expiry_schedule", "#lot": lot_day, "#due": "expiry_due_on"})
    values.update(
        {
            ":none": to_value(0),
            ":due": to_value(expiry_day),
            ":pk": to_value(key["GSI5PK"]),
            ":sk": to_value(key["GSI5SK"]),
        }
    )
    member["UpdateExpression"] += " SET #schedule.#lot = if_not_exists(#schedule.#lot, :none) + :points, "
    if sooner:
        member["UpdateExpression"] += "#due = :due, GSI5PK = :pk, GSI5SK = :sk"
        member["ConditionExpression"] += " AND #due > :due"
    else:
        member["UpdateExpression"] += (
            "#due = if_not_exists(#due, :due), GSI5PK = if_not_exists(GSI5PK, :pk), GSI5SK = if_not_exists(GSI5SK, :sk)"
        )
        member["ConditionExpression"] += " AND (attribute_not_exists(#due) OR #due <= :due)"


# --- expiry ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LotExpiry:
    expires_on: str
    held: int  # what the lot holds: all of it goes
    points: int  # what leaves the balance (the same, unless the balance is lower)
    entry: Item  # the ledger entry, with its key


def expire(
    member: Item, expiries: list[LotExpiry], available_after: int, fields: dict[str, Any], remove: tuple[str, ...]
) -> transactions.Outcome:
    """Expire some of a member's scheduled lots in one transaction: per lot its ledger entry (written
    once, by its key) and the lot emptied of exactly what the schedule says it holds (and taken out of
    its reminder bucket); then the member's balance, schedule and expiry key, version-checked.
    Items: entries at 0..n-1, lots at n..2n-1, the member last."""
    member_id = str(member["member_id"])
    items: list[dict[str, Any]] = [
        {
            "Put": {
                "TableName": table_name(),
                "Item": to_item(expiry.entry),
                "ConditionExpression": "attribute_not_exists(PK)",
            }
        }
        for expiry in expiries
    ]
    items += [
        {
            "Update": {
                "TableName": table_name(),
                "Key": to_item(keys.lot(member_id, expiry.expires_on)),
                "UpdateExpression": "ADD available :minus REMOVE GSI2PK, GSI2SK",
                "ConditionExpression": "available = :held",
                "ExpressionAttributeValues": {":minus": to_value(-expiry.held), ":held": to_value(expiry.held)},
            }
        }
        for expiry in expiries
    ]
    values: dict[str, Any] = {"available": available_after, **fields, "version": int(member["version"]) + 1}
    update = "SET " + ", ".join(f"#a{i} = :a{i}" for i in range(len(values)))
    if remove:
        update += " REMOVE " + ", ".join(remove)
    items.append(
        {
            "Update": {
                "TableName": table_name(),
                "Key": to_item(keys.member(member_id)),
                "UpdateExpression": update,
                "ConditionExpression": "#version = :read AND #status = :active",
                "ExpressionAttributeNames": {
                    **{f"#a{i}": name for i, name in enumerate(values)},
                    "#version": "version",
                    "#status": "status",
                },
                "ExpressionAttributeValues": {
                    **{f":a{i}": to_value(value) for i, value in enumerate(values.values())},
                    ":read": to_value(int(member["version"])),
                    ":active": to_value("active"),
                },
            }
        }
    )
    return transactions.run(items)


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
