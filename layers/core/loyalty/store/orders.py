"""Orders and refunds. An order item is the order's ``earn`` entry, its idempotency key (the client's
order_id) and its refund state; while its points are pending it waits in the maturing index (GSI2) on
the day they become available, with what maturing needs projected, so the job reads one item per order.
A refund item is the ``refund`` entry, keyed by the client's refund_id."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from loyalty.domain.refunds import Paid
from loyalty.store import keys
from loyalty.store.client import Item, dynamodb, from_item, table_name, to_item, to_value
from loyalty.store.due_index import DueItem
from loyalty.store.entries import EntryFields
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

    def to_item(self) -> Item:
        item: Item = {
            **keys.order(self.order_id),
            "order_id": self.order_id,
            "placed_at": self.placed_at,
            "points": self.points,
            "credited": self.credited,
            "status": self.status,
            "answered": self.answered_status if self.answered_status != self.status else None,
            "available_at": self.available_at,
            "lines": [
                {"sku": ln.sku, "quantity": ln.quantity, "points": ln.points, "rules": ln.rules, "exact": ln.exact}
                for ln in self.lines
            ],
            "bonuses": [
                {"campaign_id": b.campaign_id, "points": b.points, **({"limited": True} if b.limited else {})}
                for b in self.bonuses
            ],
            "net_total": self.net_total,
            "earned_day": self.earned_day,
            "lot": self.expires_on,
            "pending_left": self.pending_left,
            "reversed": self.reversed,
            "refunded_share": self.refunded_share,
            "refunded_value": self.refunded_value,
            "refunded_qty": self.refunded_qty,
            "refunds": [
                {"refund_id": r.refund_id, "points_reversed": r.points_reversed, "created_at": r.created_at}
                for r in self.refunds
            ]
            or None,
            "version": self.version,
            "paid": _paid_item(self.paid) if self.paid else None,
            "refunded_paid": self.refunded_paid if self.refunded_paid != "0" else None,
            **self.entry.to_item(),
        }
        if self.status == "pending" and self.matures_on is not None:
            item.update(keys.due("MATURE", self.member_id, self.matures_on))
        return {name: value for name, value in item.items() if value is not None}

    @classmethod
    def from_item(cls, item: Item) -> OrderRecord:
        return cls(
            order_id=str(item["order_id"]),
            member_id=str(item["member_id"]),
            placed_at=str(item["placed_at"]),
            points=int(item["points"]),
            credited=int(item["credited"] if "credited" in item else item["points"]),
            status=str(item["status"]),
            available_at=str(item["available_at"]),
            lines=[
                OrderLine(str(ln["sku"]), int(ln["quantity"]), int(ln["points"]), list(ln["rules"]), str(ln["exact"]))
                for ln in item.get("lines", [])
            ],
            bonuses=[
                Bonus(str(b["campaign_id"]), int(b["points"]), bool(b.get("limited", False)))
                for b in item.get("bonuses", [])
            ],
            net_total=str(item.get("net_total", "0")),
            earned_day=str(item.get("earned_day", "")),
            expires_on=item.get("lot"),
            pending_left=int(item.get("pending_left", 0)),
            entry=EntryFields.from_item(item),
            matures_on=item.get("GSI2SK"),
            reversed=int(item.get("reversed", 0)),
            refunded_share=str(item.get("refunded_share", "0")),
            refunded_value=str(item.get("refunded_value", "0")),
            refunded_qty={str(k): int(v) for k, v in (item.get("refunded_qty") or {}).items()},
            refunds=[
                RefundSummary(str(r["refund_id"]), int(r["points_reversed"]), str(r["created_at"]))
                for r in item.get("refunds") or []
            ],
            version=int(item.get("version", 0)),
            answered_status=str(item.get("answered") or item["status"]),
            paid=_paid(item.get("paid")),
            refunded_paid=str(item.get("refunded_paid", "0")),
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
        item: Item = {
            **keys.refund(self.refund_id),
            "refund_id": self.refund_id,
            "order_id": self.order_id,
            "points_reversed": self.points_reversed,
            "to_debt": self.to_debt,
            "amount_minor": self.amount_minor,
            "lines": self.lines,
            **self.entry.to_item(),
        }
        return {name: value for name, value in item.items() if value is not None}

    @classmethod
    def from_item(cls, item: Item) -> RefundRecord:
        return cls(
            refund_id=str(item["refund_id"]),
            order_id=str(item["order_id"]),
            points_reversed=int(item["points_reversed"]),
            to_debt=int(item.get("to_debt", 0)),
            amount_minor=int(item["amount_minor"]) if item.get("amount_minor") is not None else None,
            lines=item.get("lines"),
            entry=EntryFields.from_item(item),
        )


def get_order(order_id: str) -> OrderRecord | None:
    answer = dynamodb().get_item(TableName=table_name(), Key=to_item(keys.order(order_id)), ConsistentRead=True)
    return OrderRecord.from_item(from_item(answer["Item"])) if "Item" in answer else None


def get_refund(refund_id: str) -> RefundRecord | None:
    answer = dynamodb().get_item(TableName=table_name(), Key=to_item(keys.refund(refund_id)), ConsistentRead=True)
    return RefundRecord.from_item(from_item(answer["Item"])) if "Item" in answer else None


def refund_state_update(before: OrderRecord, after: OrderRecord) -> TxItem:
    """What a refund changes on its order, only if nobody refunded or matured it since it was read."""
    values = {
        "reversed": after.reversed,
        "refunded_share": after.refunded_share,
        "refunded_value": after.refunded_value,
        "refunded_qty": after.refunded_qty,
        "pending_left": after.pending_left,
        "refunded_paid": after.refunded_paid,
        "refunds": [
            {"refund_id": r.refund_id, "points_reversed": r.points_reversed, "created_at": r.created_at}
            for r in after.refunds
        ],
        "version": before.version + 1,
    }
    names = {f"#a{i}": name for i, name in enumerate(values)}
    attribute_values = {f":a{i}": to_value(value) for i, value in enumerate(values.values())}
    attribute_values[":read"] = to_value(before.version)
    return TxItem(
        "order",
        {
            "Update": {
                "TableName": table_name(),
                "Key": to_item(keys.order(before.order_id)),
                "UpdateExpression": "SET " + ", ".join(f"#a{i} = :a{i}" for i in range(len(values))),
                "ConditionExpression": "#version = :read",
                "ExpressionAttributeNames": {**names, "#version": "version"},
                "ExpressionAttributeValues": attribute_values,
            }
        },
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
        return cls(
            order_id=str(item["order_id"]),
            member_id=str(item["member_id"]),
            status=str(item["status"]),
            pending_left=int(item.get("pending_left", 0)),
            available_at=str(item["available_at"]),
            expires_on=item.get("lot"),
            matures_on=str(item.get("GSI2SK", "")),
            version=int(item.get("version", 0)),
        )


def pending_of(found: DueItem) -> PendingOrder:
    """The pending order an entry of the maturing index stands for (its projection holds it all)."""
    return PendingOrder.from_item(found.attributes)


def get_pending(order_id: str) -> PendingOrder | None:
    """The order again, strongly consistent (its index entry lagged behind a refund)."""
    answer = dynamodb().get_item(TableName=table_name(), Key=to_item(keys.order(order_id)), ConsistentRead=True)
    return PendingOrder.from_item(from_item(answer["Item"])) if "Item" in answer else None


def matured_update(order: PendingOrder, at: str) -> TxItem:
    """Pending -> available on the order: it leaves the maturing index, only if still pending with the
    points it was read with (a refund since changes both)."""
    return TxItem(
        "order",
        {
            "Update": {
                "TableName": table_name(),
                "Key": to_item(keys.order(order.order_id)),
                "UpdateExpression": (
                    "SET #status = :available, answered = :pending, pending_left = :zero, matured_at = :at, "
                    "version = version + :one REMOVE GSI2PK, GSI2SK"
                ),
                "ConditionExpression": "#status = :pending AND version = :version AND pending_left = :points",
                "ExpressionAttributeNames": {"#status": "status"},
                "ExpressionAttributeValues": {
                    ":available": to_value("available"),
                    ":pending": to_value("pending"),
                    ":zero": to_value(0),
                    ":one": to_value(1),
                    ":at": to_value(at),
                    ":version": to_value(order.version),
                    ":points": to_value(order.pending_left),
                },
            }
        },
    )


def forfeited_update(order: PendingOrder, at: str) -> TxItem:
    """An erased member's pending order leaves the maturing index: its points were forfeited with the
    member's balance, so they never mature (the order answers as it did, ``pending``)."""
    return TxItem(
        "order",
        {
            "Update": {
                "TableName": table_name(),
                "Key": to_item(keys.order(order.order_id)),
                "UpdateExpression": (
                    "SET pending_left = :zero, forfeited_at = :at, version = version + :one REMOVE GSI2PK, GSI2SK"
                ),
                "ConditionExpression": "#status = :pending AND version = :version",
                "ExpressionAttributeNames": {"#status": "status"},
                "ExpressionAttributeValues": {
                    ":pending": to_value("pending"),
                    ":zero": to_value(0),
                    ":one": to_value(1),
                    ":at": to_value(at),
                    ":version": to_value(order.version),
                },
            }
        },
    )
