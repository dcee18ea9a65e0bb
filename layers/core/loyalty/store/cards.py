"""Member cards: one guard item per code (``CARD#<code>``, naming its member: the lookup and what keeps
codes unique) and the member's pointer to its current card (``MEMBER#<id>`` / ``CARD``).

Every write is one transaction whose conditions hold the invariants: a guard is only ever created where
none is, the pointer moves only from the card it was read with, an old guard is deleted only while it
still names the member, and a new card is only given to an active member (the profile's status), so an
erasure that deleted the member's card is never followed by a new one.
"""

from __future__ import annotations

from typing import Any

from loyalty.domain.cards import Card, Issue
from loyalty.store import items, keys
from loyalty.store.client import Item
from loyalty.store.transactions import TxItem, TxResult
from loyalty.store.unit_of_work import Outcome, Refused, Retry, Written

INACTIVE = "inactive"  # the refusal of a card for a member that is not active (erased or merged)


def _card(item: Item) -> Card:
    return Card(
        member_id=keys.member_id_of(str(item["PK"])),
        code=str(item["card_code"]),
        issued_at=str(item["issued_at"]),
        previous=tuple(str(code) for code in item.get("previous") or ()),
    )


def current(member_id: str) -> Card | None:
    """The member's current card (strongly consistent: a replacement just answered is seen)."""
    return items.get(keys.member_card(member_id), _card)


def owner(code: str) -> str | None:
    """The member a code belongs to now. Strongly consistent: a replaced code stops working the moment
    its replacement has answered."""
    return items.get(keys.card(code), lambda guard: str(guard["member_id"]))


def _guard_put(card: Card) -> TxItem:
    item = {**keys.card(card.code), "member_id": card.member_id, "issued_at": card.issued_at}
    return items.put_tx("guard", item, items.NEW)


def _pointer_put(card: Card, replaced: str | None) -> TxItem:
    pointer = {
        **keys.member_card(card.member_id),
        "card_code": card.code,
        "issued_at": card.issued_at,
        "previous": list(card.previous) or None,
    }
    if replaced is None:
        return items.put_tx("pointer", items.present(pointer), items.NEW)
    return items.put_tx("pointer", items.present(pointer), "card_code = :replaced", {":replaced": replaced})


def _member_active(member_id: str) -> TxItem:
    marks: dict[str, Any] = {"#status": "status", ":active": "active"}
    return items.check_tx("member", keys.member(member_id), "#status = :active", marks)


def issue_items(plan: Issue) -> list[TxItem]:
    """A member's first or next card, in one transaction (the write loop runs it; ``outcome`` names it)."""
    writes = [_guard_put(plan.card), _pointer_put(plan.card, plan.replaced), _member_active(plan.card.member_id)]
    if plan.replaced is not None:
        mine = {":member": plan.card.member_id}
        writes.append(items.delete_tx("old_guard", keys.card(plan.replaced), "member_id = :member", mine))
    return writes


def outcome(result: TxResult) -> Outcome[None]:
    """Written; refused ``INACTIVE`` when the member is not active; else retry: the pointer moved since
    it was read, or the new code is taken (read again, draw another)."""
    if result.written:
        return Written()
    if result.failed_role("member"):
        return Refused(INACTIVE)
    return Retry("the card moved since it was read, or its code is taken", frozenset(result.failed))


def forget(member_id: str) -> None:
    """Erasure: the member's card stops working and its pointer goes (each delete safe to repeat)."""
    card = current(member_id)
    if card is None:
        return
    items.delete(keys.card(card.code), "member_id = :member", {":member": member_id})
    items.delete(keys.member_card(member_id))
