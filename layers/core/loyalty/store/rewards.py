"""Reward items (one partition, CATALOG) and the catalog listing: a Query of that partition."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from loyalty.domain.spending import Availability
from loyalty.store import keys
from loyalty.store.client import Item, dynamodb, from_item, table_name, to_item, to_value

# What a reward holds besides its id and bookkeeping: the contract's Reward fields.
FIELDS = (
    "name",
    "kind",
    "cost_points",
    "value_minor",
    "percent",
    "sku",
    "active",
    "available_from",
    "available_until",
    "per_member_limit",
    "min_tier",
)


@dataclass(frozen=True)
class RewardRecord:
    reward_id: str
    fields: dict[str, Any]  # the contract's Reward fields (FIELDS), as stored
    stock_remaining: int | None  # None: unlimited
    revision: int  # changes on every admin write; a redemption priced on an older one is refused
    redeemed: int = 0
    updated_at: str | None = None

    @property
    def cost_points(self) -> int:
        return int(self.fields["cost_points"])

    @property
    def per_member_limit(self) -> int | None:
        value = self.fields.get("per_member_limit")
        return None if value is None else int(value)

    @property
    def min_tier(self) -> str | None:
        value = self.fields.get("min_tier")
        return None if value is None else str(value)

    def availability(self) -> Availability:
        def moment(value: object) -> datetime | None:
            return datetime.fromisoformat(str(value)) if value else None

        return Availability(
            active=bool(self.fields.get("active", True)),
            available_from=moment(self.fields.get("available_from")),
            available_until=moment(self.fields.get("available_until")),
            stock_remaining=self.stock_remaining,
        )

    def to_item(self) -> Item:
        item: Item = {
            **keys.reward(self.reward_id),
            "reward_id": self.reward_id,
            **{name: value for name, value in self.fields.items() if name in FIELDS},
            "stock_remaining": self.stock_remaining,
            "revision": self.revision,
            "updated_at": self.updated_at,
        }
        return {name: value for name, value in item.items() if value is not None}

    @classmethod
    def from_item(cls, item: Item) -> RewardRecord:
        stock = item.get("stock_remaining")
        return cls(
            reward_id=str(item["reward_id"]),
            fields={name: item[name] for name in FIELDS if name in item},
            stock_remaining=None if stock is None else int(stock),
            revision=int(item.get("revision", 0)),
            redeemed=int(item.get("redeemed", 0)),
            updated_at=item.get("updated_at"),
        )


def put(record: RewardRecord) -> bool:
    """Create or replace a reward; True when it is new. One PutItem: ALL_OLD tells which."""
    answer = dynamodb().put_item(TableName=table_name(), Item=to_item(record.to_item()), ReturnValues="ALL_OLD")
    return "Attributes" not in answer


def get(reward_id: str) -> RewardRecord | None:
    answer = dynamodb().get_item(TableName=table_name(), Key=to_item(keys.reward(reward_id)), ConsistentRead=True)
    return RewardRecord.from_item(from_item(answer["Item"])) if "Item" in answer else None


def catalog_page(after: str | None, limit: int) -> tuple[list[RewardRecord], str | None]:
    """Rewards in id order after ``after``; the id of the last one read when more may follow."""
    request: dict[str, Any] = {
        "TableName": table_name(),
        "KeyConditionExpression": "PK = :catalog AND " + ("SK > :after" if after else "begins_with(SK, :prefix)"),
        "ExpressionAttributeValues": {":catalog": to_value(keys.CATALOG)},
        "Limit": limit,
    }
    if after:
        request["ExpressionAttributeValues"][":after"] = to_value(keys.reward(after)["SK"])
    else:
        request["ExpressionAttributeValues"][":prefix"] = to_value(keys.REWARD_PREFIX)
    answer = dynamodb().query(**request)
    items = [RewardRecord.from_item(from_item(item)) for item in answer.get("Items", [])]
    more = "LastEvaluatedKey" in answer and items
    return items, (items[-1].reward_id if more else None)
