"""Orders and refunds. An order item is the order's ``earn`` entry, its idempotency key (the client's
order_id) and its refund state; while its points are pending it waits in the maturing index (GSI2) on
the day they become available, with what maturing needs projected, so the job reads one item per order.
A refund item is the ``refund`` entry, keyed by the client's refund_id."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from loyalty.domain.challenges import Counted
from loyalty.domain.refunds import Paid
from loyalty.store import items, keys
from loyalty.store.client import Item
from loyalty.store.due_index import DueItem
from loyalty.store.entries import EntryFields, with_entry
from loyalty.store.member_record import packed, unpacked
from loyalty.store.transactions import TxItem


@dataclass(frozen=True)
class OrderLine:
    sku: str
    quantity: int
    points: int
    rules: list[str]
    exact: str  # the exact points the line earned, as a fraction or decimal string


@dataclass(frozen=True)
class Bonus:
    campaign_id: str
    points: int
    limited: bool = False  # cut by the campaign's budget
    # The budget shares the bonus was taken from (share number as text -> points), so a refund that
    # takes the bonus back gives it back to them (loyalty.store.campaigns.share_return). Internal.
    shares: dict[str, int] | None = None


@dataclass(frozen=True)
class RefundSummary:
    refund_id: str
    points_reversed: int
    created_at: str


@dataclass(frozen=True)
class OrderRecord:
    order_id: str
    member_id: str
    placed_at: str
    points: int
    credited: int  # what reached the balance (the rest paid debt)
    status: str  # pending | available: now
    available_at: str
    lines: list[OrderLine]
    bonuses: list[Bonus]
    net_total: str  # what the customer paid, minor units (exact)
    earned_day: str  # the local day the points count for the tier
    expires_on: str | None  # the expiry day of its points (None: nothing credited)
    pending_left: int  # pending points refunds have not taken
    entry: EntryFields
    matures_on: str | None = None  # the local day pending points mature (in the maturing index until then)
    reversed: int = 0
    refunded_share: str = "0"
    refunded_value: str = "0"
    refunded_qty: dict[str, int] = field(default_factory=dict)
    refunds: list[RefundSummary] = field(default_factory=list)  # a few per order at most, in practice
    version: int = 0
    answered_status: str | None = None  # the status the accrual answered (replays answer it again)
    # What the platform says was paid (goods, and everything with shipping and tax), written with the
    # accrual, and the money its refunds gave back since: how a platform's refund by amount is judged.
    # Internal: no API view shows them.
    paid: Paid | None = None
    refunded_paid: str = "0"  # exact, as a fraction or decimal string
    # For the impact aggregates (loyalty.store.impact), read from this item's stream record: "h" for a
    # holdout member (absent for treatment), and the member's enrollment month (YYYY-MM) for cohorts.
    grp: str | None = None
    ec: str | None = None
    # What the order added to each challenge (loyalty.domain.challenges.Counted), so its refunds take
    # exactly that back: attribute ``ch``, absent when no challenge counted it.
    challenges: dict[str, Counted] = field(default_factory=dict)
    # Paid memberships the order bought, {membership_id: [days granted, units]}: what its refunds take back.
    granted: dict[str, list[int]] = field(default_factory=dict)

    def to_item(self) -> Item:
        item: Item = {
            **keys.order(self.order_id),
            **items.attributes(self, but=_STORED_OTHERWISE),
            "answered": self.answered_status if self.answered_status != self.status else None,
            "lines": [items.attributes(line) for line in self.lines],
            "bonuses": [
                items.present(
                    {"campaign_id": b.campaign_id, "points": b.points, "limited": b.limited or None, "shares": b.shares}
                )
                for b in self.bonuses
            ],
            "lot": self.expires_on,
            "refunds": [items.attributes(refund) for refund in self.refunds] or None,
            "paid": _paid_item(self.paid) if self.paid else None,
            "refunded_paid": self.refunded_paid if self.refunded_paid != "0" else None,
            "ch": {cid: packed(c.numbers()) for cid, c in self.challenges.items()} or None,
            "granted": self.granted or None,
            **self.entry.to_item(),
        }
        if self.status == "pending" and self.matures_on is not None:
            item.update(keys.due("MATURE", self.member_id, self.matures_on))
        return items.present(item)

    @classmethod
    def from_item(cls, item: Item) -> OrderRecord:
        return items.build(
            cls,
            item,
            credited=int(item["credited"] if "credited" in item else item["points"]),
            lines=[items.build(OrderLine, line) for line in item.get("lines", [])],
            bonuses=[items.build(Bonus, bonus) for bonus in item.get("bonuses", [])],
            net_total=str(item.get("net_total", "0")),
            earned_day=str(item.get("earned_day", "")),
            expires_on=item.get("lot"),
            pending_left=int(item.get("pending_left", 0)),
            entry=EntryFields.from_item(item),
            matures_on=item.get("GSI2SK"),
            refunds=[items.build(RefundSummary, refund) for refund in item.get("refunds") or []],
            answered_status=str(item.get("answered") or item["status"]),
            paid=_paid(item.get("paid")),
            challenges={str(cid): Counted.of(unpacked(v)) for cid, v in (item.get("ch") or {}).items()},
            granted={str(mid): [int(n) for n in kept] for mid, kept in (item.get("granted") or {}).items()},
        )


# Fields an order item holds under other names or in other forms (the rest are stored as they are named).
_STORED_OTHERWISE = (
    "answered_status",
    "lines",
    "bonuses",
    "expires_on",
    "refunds",
    "paid",
    "refunded_paid",
    "entry",
    "matures_on",
    "challenges",
    "granted",
)


def _paid_item(paid: Paid) -> Item:
    item: Item = {"currency": paid.currency, "goods": paid.goods, "total": paid.total}
    if paid.shopper_currency and paid.shopper_total:
        item.update(shopper_currency=paid.shopper_currency, shopper_total=paid.shopper_total)
    return item


def _paid(stored: Any) -> Paid | None:
    if not stored:
        return None
    shopper_total = stored.get("shopper_total")
    return Paid(
        str(stored["currency"]),
        int(stored["goods"]),
        int(stored["total"]),
        str(stored["shopper_currency"]) if stored.get("shopper_currency") else None,
        int(shopper_total) if shopper_total is not None else None,
    )


@dataclass(frozen=True)
class RefundRecord:
    refund_id: str
    order_id: str
    points_reversed: int
    to_debt: int
    amount_minor: int | None
    lines: list[dict[str, Any]] | None
    entry: EntryFields

    def to_item(self) -> Item:
        return items.present(with_entry(keys.refund(self.refund_id), self))

    @classmethod
    def from_item(cls, item: Item) -> RefundRecord:
        return items.build(cls, item, to_debt=int(item.get("to_debt", 0)), entry=EntryFields.from_item(item))


def get_order(order_id: str) -> OrderRecord | None:
    return items.get(keys.order(order_id), OrderRecord.from_item)


def get_refund(refund_id: str) -> RefundRecord | None:
    return items.get(keys.refund(refund_id), RefundRecord.from_item)


def refund_state_update(before: OrderRecord, after: OrderRecord) -> TxItem:
    """What a refund changes on its order, only if nobody refunded or matured it since it was read."""
    expression, marks = items.each(
        "SET",
        {
            "reversed": after.reversed,
            "refunded_share": after.refunded_share,
            "refunded_value": after.refunded_value,
            "refunded_qty": after.refunded_qty,
            "pending_left": after.pending_left,
            "refunded_paid": after.refunded_paid,
            "refunds": [items.attributes(refund) for refund in after.refunds],
            "version": before.version + 1,
        },
    )
    return items.update_tx(
        "order",
        keys.order(before.order_id),
        expression,
        "#version = :read",
        {**marks, "#version": "version", ":read": before.version},
    )


# What the maturing index (GSI2) projects: enough to mature an order without reading it again.
PENDING_PROJECTION = ("order_id", "member_id", "status", "pending_left", "available_at", "lot", "version")


@dataclass(frozen=True)
class PendingOrder:
    """An order as the maturing job finds it in its index."""

    order_id: str
    member_id: str
    status: str
    pending_left: int
    available_at: str
    expires_on: str | None
    matures_on: str
    version: int

    @classmethod
    def from_item(cls, item: Item) -> PendingOrder:
        return items.build(
            cls,
            item,
            pending_left=int(item.get("pending_left", 0)),
            expires_on=item.get("lot"),
            matures_on=str(item.get("GSI2SK", "")),
            version=int(item.get("version", 0)),
        )


def pending_of(found: DueItem) -> PendingOrder:
    """The pending order an entry of the maturing index stands for (its projection holds it all)."""
    return PendingOrder.from_item(found.attributes)


def get_pending(order_id: str) -> PendingOrder | None:
    """The order again, strongly consistent (its index entry lagged behind a refund)."""
    return items.get(keys.order(order_id), PendingOrder.from_item)


def matured_update(order: PendingOrder, at: str) -> TxItem:
    """Pending -> available on the order: it leaves the maturing index, only if still pending with the
    points it was read with (a refund since changes both)."""
    sets = "#status = :available, answered = :pending, pending_left = :zero, matured_at = :at"
    values = {":available": "available", ":at": at, ":points": order.pending_left}
    return _out_of_index(order, sets, " AND pending_left = :points", values)


def forfeited_update(order: PendingOrder, at: str) -> TxItem:
    """An erased member's pending order leaves the maturing index: its points were forfeited with the
    member's balance, so they never mature (the order answers as it did, ``pending``)."""
    return _out_of_index(order, "pending_left = :zero, forfeited_at = :at", "", {":at": at})


def _out_of_index(order: PendingOrder, sets: str, condition: str, values: dict[str, Any]) -> TxItem:
    """The order leaves the maturing index with ``sets``, only while it is still pending at the version
    read (and ``condition`` holds)."""
    return items.update_tx(
        "order",
        keys.order(order.order_id),
        f"SET {sets}, version = version + :one REMOVE GSI2PK, GSI2SK",
        "#status = :pending AND version = :version" + condition,
        {"#status": "status", ":pending": "pending", ":zero": 0, ":one": 1, ":version": order.version, **values},
    )
