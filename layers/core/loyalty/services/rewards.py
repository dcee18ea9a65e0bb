"""The reward catalog: admin create/replace, the storefront listing, and a short in-process cache
that lets a redemption skip reading the reward (its transaction re-checks the reward's revision)."""

from __future__ import annotations

import base64
import time
from datetime import datetime

from loyalty.adapters import clock
from loyalty.domain.errors import InvalidInput
from loyalty.domain.spending import Availability
from loyalty.models.common import Page, rfc3339
from loyalty.models.reward import Reward, RewardPut
from loyalty.services import program as programs
from loyalty.settings import settings
from loyalty.store import rewards as reward_store
from loyalty.store.client import Item

_cache: dict[str, tuple[float, Item]] = {}


def _ttl() -> float:
    return settings().program_cache_seconds


def put(reward_id: str, body: RewardPut) -> tuple[Reward, bool]:
    program = programs.current()
    if body.min_tier is not None and body.min_tier not in {tier.name for tier in program.tiers}:
        raise InvalidInput(f"min_tier must be one of the program's tiers, not {body.min_tier!r}.", ["body", "min_tier"])
    fields = body.model_dump(exclude={"stock"}, exclude_none=True)
    for moment in ("available_from", "available_until"):
        if moment in fields:
            fields[moment] = rfc3339(fields[moment])
    if body.stock is not None:
        fields["stock_remaining"] = body.stock
    # A new revision on every admin write: redemptions priced on an older copy of the reward fail
    # their condition and re-read it, so a cached reward is never trusted beyond its revision.
    fields["revision"] = time.time_ns() // 1000
    fields["updated_at"] = rfc3339(clock.now())
    created = reward_store.put(reward_id, fields)
    item = {"reward_id": reward_id, **fields}
    _cache[reward_id] = (time.monotonic(), item)
    return reward_view(item), created


def cached(reward_id: str, *, fresh: bool = False) -> Item | None:
    hit = _cache.get(reward_id)
    if not fresh and hit is not None and time.monotonic() - hit[0] < _ttl():
        return hit[1]
    item = reward_store.get(reward_id)
    if item is None:
        _cache.pop(reward_id, None)
        return None
    _cache[reward_id] = (time.monotonic(), item)
    return item


def forget() -> None:
    _cache.clear()


def availability(item: Item) -> Availability:
    def moment(value: object) -> datetime | None:
        return datetime.fromisoformat(str(value)) if value else None

    stock = item.get("stock_remaining")
    return Availability(
        active=bool(item.get("active", True)),
        available_from=moment(item.get("available_from")),
        available_until=moment(item.get("available_until")),
        stock_remaining=None if stock is None else int(stock),
    )


def reward_view(item: Item) -> Reward:
    stock = item.get("stock_remaining")
    return Reward.model_validate(
        {
            **{k: v for k, v in item.items() if k in Reward.model_fields},
            "stock_remaining": None if stock is None else max(int(stock), 0),
        }
    )


def redeemable(limit: int, cursor: str | None) -> Page[Reward]:
    """Rewards a member could redeem now: active, in their window, in stock. Filtered as read, so a
    page may hold fewer than ``limit`` items while ``next_cursor`` says more may follow."""
    programs.current()
    now = clock.now()
    try:
        after = base64.urlsafe_b64decode(cursor.encode() + b"=" * (-len(cursor) % 4)).decode() if cursor else None
    except ValueError as error:
        raise InvalidInput("The cursor is not one this API gave out.", ["query", "cursor"]) from error
    items, last = reward_store.catalog_page(after, limit)
    shown = [reward_view(item) for item in items if availability(item).redeemable_at(now)]
    next_cursor = base64.urlsafe_b64encode(last.encode()).decode().rstrip("=") if last else None
    return Page[Reward](items=shown, next_cursor=next_cursor)
