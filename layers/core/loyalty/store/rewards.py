"""Reward items (one partition, CATALOG) and the catalog listing: a Query of that partition."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from loyalty.domain.spending import Availability
from loyalty.store import items, keys
from loyalty.store.client import Item, dynamodb, from_item, table_name, to_item

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
    "early_access",
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
            early_access=tuple(
                (str(entry["tier"]), datetime.fromisoformat(str(entry["from"])))
                for entry in self.fields.get("early_access") or ()
            ),
        )

    def to_item(self) -> Item:
        given = {name: value for name, value in self.fields.items() if name in FIELDS}
        # ``redeemed`` is counted by the redemptions' own writes (ADD), never written from a record.
        stored = items.attributes(self, but=("fields", "redeemed"))
        return items.present({**keys.reward(self.reward_id), **stored, **given})

    @classmethod
    def from_item(cls, item: Item) -> RewardRecord:
        given = {name: item[name] for name in FIELDS if name in item}
        return items.build(cls, item, fields=given, revision=int(item.get("revision", 0)))


def put(record: RewardRecord) -> bool:
    """Create or replace a reward; True when it is new. One PutItem: ALL_OLD tells which."""
    answer = dynamodb().put_item(TableName=table_name(), Item=to_item(record.to_item()), ReturnValues="ALL_OLD")
    return "Attributes" not in answer


def get(reward_id: str) -> RewardRecord | None:
    return items.get(keys.reward(reward_id), RewardRecord.from_item)


def catalog_page(after: str | None, limit: int) -> tuple[list[RewardRecord], str | None]:
    """Rewards in id order after ``after``; the id of the last one read when more may follow."""
    if after:
        request = items.query(
            keys.CATALOG, sort="SK > :after", values={":after": keys.reward(after)["SK"]}, limit=limit
        )
    else:
        request = items.query(keys.CATALOG, prefix=keys.REWARD_PREFIX, limit=limit)
    answer = dynamodb().query(**request)
    found = [RewardRecord.from_item(from_item(item)) for item in answer.get("Items", [])]
    more = "LastEvaluatedKey" in answer and found
    return found, (found[-1].reward_id if more else None)
