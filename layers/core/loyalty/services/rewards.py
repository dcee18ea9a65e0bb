"""The reward catalog: admin create/replace, the storefront listing, and a short in-process cache
that lets a redemption skip reading the reward (its transaction re-checks the reward's revision)."""

from __future__ import annotations

import base64
import time

from loyalty.adapters import clock
from loyalty.domain.errors import InvalidInput, RewardNotFound
from loyalty.domain.spending import Availability
from loyalty.models.common import Page, rfc3339
from loyalty.models.reward import Reward, RewardPut
from loyalty.services import program as programs
from loyalty.settings import settings
from loyalty.store import rewards as reward_store
from loyalty.store.rewards import RewardRecord

_cache: dict[str, tuple[float, RewardRecord]] = {}


def put(reward_id: str, body: RewardPut) -> tuple[Reward, bool]:
    program = programs.current()
    if body.min_tier is not None and body.min_tier not in {tier.name for tier in program.tiers}:
        raise InvalidInput(f"min_tier must be one of the program's tiers, not {body.min_tier!r}.", ["body", "min_tier"])
    for index, entry in enumerate(body.early_access or []):
        if entry.tier not in {tier.name for tier in program.tiers}:
            raise InvalidInput(f"{entry.tier!r} is not one of the program's tiers.", ["body", "early_access", index])
    fields = body.model_dump(exclude={"stock"}, exclude_none=True)
    for moment in ("available_from", "available_until"):
        if moment in fields:
            fields[moment] = rfc3339(fields[moment])
    if body.early_access:
        fields["early_access"] = [{"tier": entry.tier, "from": rfc3339(entry.from_)} for entry in body.early_access]
    record = RewardRecord(
        reward_id=reward_id,
        fields=fields,
        stock_remaining=body.stock,
        # A new revision on every admin write: redemptions priced on an older copy of the reward fail
        # their condition and re-read it, so a cached reward is never trusted beyond its revision.
        revision=time.time_ns() // 1000,
        updated_at=rfc3339(clock.now()),
    )
    created = reward_store.put(record)
    _cache[reward_id] = (time.monotonic(), record)
    return reward_view(record), created


def cached(reward_id: str, *, fresh: bool = False) -> RewardRecord | None:
    hit = _cache.get(reward_id)
    if not fresh and hit is not None and time.monotonic() - hit[0] < settings().program_cache_seconds:
        return hit[1]
    record = reward_store.get(reward_id)
    if record is None:
        _cache.pop(reward_id, None)
        return None
    _cache[reward_id] = (time.monotonic(), record)
    return record


def forget() -> None:
    _cache.clear()


def reward_view(record: RewardRecord) -> Reward:
    stock = record.stock_remaining
    return Reward.model_validate(
        {
            **{name: value for name, value in record.fields.items() if name in Reward.model_fields},
            "reward_id": record.reward_id,
            "stock_remaining": None if stock is None else max(stock, 0),
        }
    )


def availability_of(reward: Reward) -> Availability:
    """A listed reward's window, stock and early access, as the redemption rule reads them."""
    early = tuple((entry.tier, entry.from_) for entry in reward.early_access or ())
    return Availability(reward.active, reward.available_from, reward.available_until, reward.stock_remaining, early)


def one(reward_id: str) -> Reward:
    """GET /v1/rewards/{reward_id}: a reward as the catalog holds it (inactive ones too)."""
    programs.current()
    record = reward_store.get(reward_id)
    if record is None:
        raise RewardNotFound(f"No reward '{reward_id}'.")
    return reward_view(record)


def every(limit: int, cursor: str | None) -> Page[Reward]:
    """GET /v1/admin/rewards: every reward, inactive and out of stock included, in id order."""
    programs.current()
    records, last = reward_store.catalog_page(_after(cursor), limit)
    return Page[Reward](items=[reward_view(record) for record in records], next_cursor=_cursor(last))


def _after(cursor: str | None) -> str | None:
    try:
        return base64.urlsafe_b64decode(cursor.encode() + b"=" * (-len(cursor) % 4)).decode() if cursor else None
    except ValueError as error:
        raise InvalidInput("The cursor is not one this API gave out.", ["query", "cursor"]) from error


def _cursor(last: str | None) -> str | None:
    return base64.urlsafe_b64encode(last.encode()).decode().rstrip("=") if last else None


def redeemable(limit: int, cursor: str | None) -> Page[Reward]:
    """Rewards a member could redeem now: active, in their window, in stock. Filtered as read, so a
    page may hold fewer than ``limit`` items while ``next_cursor`` says more may follow."""
    programs.current()
    now = clock.now()
    records, last = reward_store.catalog_page(_after(cursor), limit)
    # A reward in early access is listed before it opens to all, so a storefront can say who may redeem when.
    shown = [reward_view(record) for record in records if record.availability().listed_at(now)]
    return Page[Reward](items=shown, next_cursor=_cursor(last))
