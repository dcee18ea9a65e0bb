"""Redemptions: the redemption item is the ``redeem`` entry, its idempotency key and its voucher at once.

It is keyed by its voucher code, and the code is derived from the client's redemption_id with a keyed
hash (HMAC-SHA256 under a random secret of the platform's own, rendered in 14 characters of an
unambiguous alphabet: 68 bits). So:
- a retry of the same redemption_id derives the same code, hence the same key: it finds the first one;
- a shopper's code is looked up with one GetItem, and so is a redemption by its id (derive, then get);
- codes are as unguessable as random ones to anyone without the secret, and the redemption needs no
  separate voucher item: two write units saved on every redemption.
Should two redemption ids ever derive the same code (about one chance in 10^12 at a million codes),
the second takes the code derived with the next ``attempt`` number.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from loyalty.domain.valuation import Portion
from loyalty.store import items, keys, secrets
from loyalty.store.client import Item, dynamodb, from_item
from loyalty.store.entries import EntryFields, with_entry
from loyalty.store.transactions import TxItem

# Crockford-style alphabet: no 0/O, 1/I/L, U, so codes read aloud or typed from paper don't get confused.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 14  # log2(30^14) = 68.7 bits
CODE_ATTEMPTS = 3
SECRET_NAME = "voucher-codes"  # noqa: S105 - which secret item, not a secret itself


def code_for(redemption_id: str, attempt: int = 0) -> str:
    digest = hmac.new(secrets.cached(SECRET_NAME), f"{redemption_id}#{attempt}".encode(), hashlib.sha256).digest()
    number = int.from_bytes(digest, "big")
    letters = []
    for _ in range(CODE_LENGTH):
        number, index = divmod(number, len(CODE_ALPHABET))
        letters.append(CODE_ALPHABET[index])
    return "".join(letters)


def normalized(typed: str) -> str | None:
    """A code as a shopper typed it (any case, spaces, dashes) in its stored form; None if it cannot be one."""
    code = "".join(typed.split()).replace("-", "").upper()
    if len(code) != CODE_LENGTH or any(letter not in CODE_ALPHABET for letter in code):
        return None
    return code


@dataclass(frozen=True)
class RedemptionRecord:
    redemption_id: str
    reward_id: str
    member_id: str
    code: str
    points_spent: int
    status: str  # issued | used | cancelled
    issued_at: str
    takes: dict[str, int]  # expiry day -> points taken from it (given back on cancel)
    stock_taken: bool
    limit_counted: bool
    entry: EntryFields
    used_at: str | None = None
    cancelled_at: str | None = None
    valued: dict[Portion, int] = field(default_factory=dict)  # the valued portions taken (given back on cancel)

    def to_item(self) -> Item:
        item: Item = {
            **with_entry(keys.redemption(self.code), self, but=("takes", "valued")),
            # The valued portions packed in one string (the days' takes add up from them): a redemption
            # of a year's daily lots stays a few KB instead of two maps of 365 entries each.
            "taken": pack_portions(self.valued) if self.valued else None,
            "takes": None if self.valued else self.takes,
        }
        return items.present(item)

    @classmethod
    def from_item(cls, item: Item) -> RedemptionRecord:
        valued = unpack_portions(str(item["taken"])) if item.get("taken") else {}
        takes: dict[str, int] = {}
        for portion, points in valued.items():
            takes[portion.day] = takes.get(portion.day, 0) + points
        return items.build(
            cls,
            item,
            takes=takes or {str(day): int(points) for day, points in (item.get("takes") or {}).items()},
            stock_taken=bool(item.get("stock_taken", False)),
            limit_counted=bool(item.get("limit_counted", False)),
            entry=EntryFields.from_item(item),
            valued=valued,
        )


def pack_portions(portions: dict[Portion, int]) -> str:
    """``2027-01:17s0.5*30,18o0*2;2027-02:...``: per expiry month, its days' portions as day, source
    (``s`` sale, ``o`` other), value at issue and points."""
    months: dict[str, list[str]] = {}
    for portion, points in sorted(portions.items()):
        source = "s" if portion.source == "sale" else "o"
        months.setdefault(portion.month, []).append(f"{portion.day[8:]}{source}{portion.value:f}*{points}")
    return ";".join(f"{month}:{','.join(parts)}" for month, parts in months.items())


def unpack_portions(text: str) -> dict[Portion, int]:
    portions: dict[Portion, int] = {}
    for month_text in text.split(";"):
        month, parts = month_text.split(":")
        for part in parts.split(","):
            head, points = part.split("*")
            day, source, value = head[:2], head[2], head[3:]
            portion = Portion(f"{month}-{day}", "sale" if source == "s" else "other", Decimal(value))
            portions[portion] = int(points)
    return portions


def by_code(code: str) -> RedemptionRecord | None:
    return items.get(keys.redemption(code), RedemptionRecord.from_item)


def get(redemption_id: str) -> RedemptionRecord | None:
    """A redemption by its id: the code it derives, then that item (and the next attempt's code only
    in the one-in-a-trillion case that another redemption holds it)."""
    for attempt in range(CODE_ATTEMPTS):
        found = by_code(code_for(redemption_id, attempt))
        if found is None:
            return None
        if found.redemption_id == redemption_id:
            return found
    return None


def take_stock(reward_id: str, revision: int, limited: bool) -> TxItem:
    """One unit of stock (when limited), only if the reward is still the revision we priced it at."""
    values: dict[str, Any] = {":one": 1, ":revision": revision}
    if limited:
        update = "ADD stock_remaining :minus_one, redeemed :one"
        condition = "revision = :revision AND stock_remaining >= :one"
        values[":minus_one"] = -1
    else:
        update = "ADD redeemed :one"
        condition = "revision = :revision AND attribute_not_exists(stock_remaining)"

    def explain(old: Item | None) -> str:
        if old is None or int(old.get("revision", -1)) != revision:
            return "reward_changed"
        if limited != (old.get("stock_remaining") is not None):
            return "reward_changed"
        return "out_of_stock"

    return items.update_tx("stock", keys.reward(reward_id), update, condition, values, old=True, explain=explain)


def return_stock(reward_id: str) -> TxItem:
    """A unit back on cancel, only to a reward whose stock is still counted: a reward made unlimited
    since stays unlimited."""
    update = "ADD stock_remaining :one, redeemed :minus_one"
    values = {":one": 1, ":minus_one": -1}
    return items.update_tx("stock_return", keys.reward(reward_id), update, "attribute_exists(stock_remaining)", values)


def count_redemption(member_id: str, reward_id: str, limit: int) -> TxItem:
    """The member's redemptions of a reward, below its per-member limit."""
    key = keys.redeemed_count(member_id, reward_id)
    return items.counted_tx("limit", key, limit, explain=lambda _old: "limit_reached")


def uncount_redemption(member_id: str, reward_id: str) -> TxItem:
    key = keys.redeemed_count(member_id, reward_id)
    marks = {"#count": "count", ":one": 1, ":minus_one": -1}
    return items.update_tx("limit", key, "ADD #count :minus_one", "#count >= :one", marks)


def set_status(record: RedemptionRecord, status: str, at: str) -> TxItem:
    """Issued -> used or cancelled; refused with the status it has when it is not issued any more."""

    def explain(old: Item | None) -> str:
        current = None if old is None else old.get("status")
        return {"used": "redemption_used", "cancelled": "redemption_cancelled"}.get(
            str(current), "redemption_not_found"
        )

    return items.update_tx(
        "status",
        keys.redemption(record.code),
        "SET #status = :status, #at = :at",
        "#status = :issued",
        {"#status": "status", "#at": f"{status}_at", ":status": status, ":at": at, ":issued": "issued"},
        old=True,
        explain=explain,
    )


SCAN_PAGE = 100  # activity entries examined per Query
SCAN_PAGES = 5  # Queries per call at most: a call's cost is bounded whatever the member's history


def for_member(
    member_id: str, limit: int, start: dict[str, Any] | None
) -> tuple[list[RedemptionRecord], dict[str, Any] | None]:
    """A member's redemptions, newest first, from its activity (GSI1): the redemption items are entries
    there, so no other index is written for them. The activity is read a page at a time and filtered;
    the key to go on from comes back when more may follow (a call may return fewer than ``limit``)."""
    found: list[RedemptionRecord] = []
    request = items.query(
        keys.activity_partition(member_id),
        index="GSI1",
        FilterExpression="kind = :redeem",
        values={":redeem": "redeem"},
        newest_first=True,
        limit=SCAN_PAGE,
    )
    for _ in range(SCAN_PAGES):
        if start:
            request["ExclusiveStartKey"] = start
        answer = dynamodb().query(**request)
        for raw in answer.get("Items", []):
            found.append(RedemptionRecord.from_item(from_item(raw)))
            if len(found) == limit:
                # Go on after this one next time (its index key), whatever is left of the page.
                return found, {name: raw[name] for name in ("PK", "SK", "GSI1PK", "GSI1SK")}
        start = answer.get("LastEvaluatedKey")
        if start is None:
            return found, None
    return found, start
