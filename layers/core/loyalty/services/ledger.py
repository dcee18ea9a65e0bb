"""Shared pieces of every balance-changing use case: reading a member's state, entry fields."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from loyalty.domain import due_work
from loyalty.domain.balances import Balances, Lot
from loyalty.domain.errors import MemberErased, MemberNotFound
from loyalty.models.entry import Entry
from loyalty.store import keys
from loyalty.store import orders as order_store
from loyalty.store.client import Item
from loyalty.store.members import MemberPartition, read_partition


def active_partition(member_id: str) -> MemberPartition:
    partition = read_partition(member_id)
    if partition is None:
        raise MemberNotFound(f"No member '{member_id}'.")
    if partition.profile.get("status") == "erased":
        raise MemberErased(f"Member '{member_id}' was erased.")
    return partition


def balances_of(profile: Item) -> Balances:
    return Balances(
        available=int(profile.get("available", 0)),
        pending=int(profile.get("pending", 0)),
        lifetime_earned=int(profile.get("lifetime_earned", 0)),
        debt=int(profile.get("debt", 0)),
        earned_by_day={str(k): int(v) for k, v in (profile.get("earned_by_day") or {}).items()},
    )


def lots_of(items: list[Item]) -> list[Lot]:
    return [
        Lot(
            expires_on=str(item["expires_on"]),
            available=int(item.get("available", 0)),
            pending=int(item.get("pending", 0)),
        )
        for item in items
    ]


def apply_lot(items: list[Item], member_id: str, expires_on: str, available: int, pending: int) -> list[Item]:
    """The member's lots after a change, to show ``expiring`` without reading them again."""
    updated = [dict(item) for item in items]
    for item in updated:
        if item["expires_on"] == expires_on:
            item["available"] = int(item.get("available", 0)) + available
            item["pending"] = int(item.get("pending", 0)) + pending
            return updated
    return [
        *updated,
        {**keys.lot(member_id, expires_on), "expires_on": expires_on, "available": available, "pending": pending},
    ]


@dataclass(frozen=True)
class ExpiryIndex:
    """What a member update writes so the expiry job finds the member on the right day (GSI5)."""

    fields: dict[str, Any]
    remove: tuple[str, ...]


EXPIRY_KEY_ATTRIBUTES = ("GSI5PK", "GSI5SK", "expiry_due_on")


def expiry_index(profile: Item, lots_after: list[Item], today: date) -> ExpiryIndex:
    """The member's expiry schedule after a change to its lots, and the bucket it waits in."""
    schedule = due_work.expiry_schedule((str(lot["expires_on"]), int(lot.get("available", 0))) for lot in lots_after)
    return schedule_index(str(profile["member_id"]), schedule, today, profile.get("expiry_due_on"))


def balance_update(
    profile: Item,
    balances: Balances,
    lots_after: list[Item],
    today: date,
    *,
    keep: dict[str, str] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """The member's versioned update for a balance change: its balances and fields, and the expiry
    schedule and key that follow from its lots after the change."""
    expiry = expiry_index(profile, lots_after, today)
    return order_store.member_update(
        str(profile["member_id"]),
        int(profile.get("version", 0)),
        balances,
        keep=keep,
        remove=expiry.remove,
        **fields,
        **expiry.fields,
    )


def schedule_index(member_id: str, schedule: dict[str, int], today: date, current: str | None) -> ExpiryIndex:
    day = due_work.expiry_due_day(schedule, today, current)
    if day is None:
        return ExpiryIndex({"expiry_schedule": schedule}, EXPIRY_KEY_ATTRIBUTES)
    return ExpiryIndex({"expiry_schedule": schedule, "expiry_due_on": day, **keys.expiry_check(day, member_id)}, ())


def entry_fields(
    member_id: str, kind: str, entry_id: str, points: int, balance_after: int, occurred_at: str
) -> dict[str, Any]:
    """Attributes that make an item a ledger entry in its member's activity."""
    return {
        **keys.activity(member_id, occurred_at, entry_id),
        "kind": kind,
        "entry_id": entry_id,
        "entry_points": points,
        "balance_after": balance_after,
        "occurred_at": occurred_at,
    }


def entry_view(item: Item) -> Entry:
    return Entry(
        entry_id=item["entry_id"],
        kind=item["kind"],
        points=int(item["entry_points"]),
        balance_after=int(item["balance_after"]),
        occurred_at=item["occurred_at"],
        order_id=item.get("order_id"),
        refund_id=item.get("refund_id"),
        redemption_id=item.get("redemption_id"),
        adjustment_id=item.get("adjustment_id"),
        reason=item.get("reason"),
    )
