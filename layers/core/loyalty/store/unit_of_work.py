"""The one unit of work for a change of a member's balance.

``commit`` writes what a change decided, in one TransactWriteItems that answers a named outcome: the
ledger entry put once (its key is the client's id), the member version-checked, the lots taken from or
given to, and whatever the use case adds (an order's refund state, a reward's stock, a per-member
limit). What the domain booked (loyalty.domain.bookings: handed in, never computed here) is kept on the
ledger entry (or a ``BOOKED#<version>`` item): its stream record carries it to the consumer that keeps
the accounts' day items, and a rebuild reads it there (loyalty.store.stream_books). No item shared by
every member is in the transaction, and the member item carries no books (its size prices every write).
loyalty.store.write_loop runs read -> plan -> commit -> outcome around it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from loyalty.domain.balances import Balances
from loyalty.domain.bookings import Booking, Books
from loyalty.domain.events import Event
from loyalty.domain.valuation import Portion
from loyalty.store import items, keys, lots, member_record, profile_lots, stream_books, transactions
from loyalty.store import outbox as outbox_codec
from loyalty.store.client import (
    Item,
)
from loyalty.store.member_reads import MemberState
from loyalty.store.member_record import MemberRecord
from loyalty.store.transactions import TxItem


@dataclass(frozen=True)
class EntryPut[T]:
    """The ledger entry a change is recorded by, put once: its key is the client's id (or an id derived
    from what it records), so a retry finds the first one. ``decode`` reads the stored one back."""

    item: Item
    decode: Callable[[Item], T]

    def tx(self) -> TxItem:
        return items.put_tx("entry", self.item, items.NEW, old=True)

    def booking(self, member_id: str, booked: Books) -> TxItem:
        """The entry's put, keeping what the change booked (loyalty.store.stream_books.durable)."""
        return stream_books.keeping(self.tx(), stream_books.durable(member_id, booked))


@dataclass(frozen=True)
class MemberChange[T]:
    """A change of one member, described by what it read and what it decided."""

    before: MemberRecord
    after: MemberRecord
    at: str
    events: Sequence[Event] = ()
    entry: EntryPut[T] | None = None
    lots_before: Mapping[str, int] = field(default_factory=dict)
    lot_deltas: Mapping[str, int] = field(default_factory=dict)
    more: Sequence[TxItem] = ()  # other items of the same transaction (their own roles)
    booking: Booking | None = None  # required when lots or the tier change (or the member is erased)
    portions_before: Mapping[Portion, int] = field(default_factory=dict)
    # Add the points to the member item itself, not to lot items (loyalty.store.profile_lots): an accrual
    # on a month-expiry program, so that it writes the order and the member only.
    hold: bool = False

    @classmethod
    def of(
        cls,
        state: MemberState,
        after: MemberRecord,
        at: str,
        events: Sequence[Event],
        *,
        entry: EntryPut[T],
        lot_deltas: Mapping[str, int],
        booking: Booking,
        more: Sequence[TxItem] = (),
    ) -> MemberChange[T]:
        """A change of points of the member as ``state`` read it: what it held (its lots and their valued
        portions) is taken from that one read, so no change is booked against another."""
        return cls(state.member, after, at, events, entry, state.lots, lot_deltas, more, booking, state.portions)


@dataclass(frozen=True)
class Written:
    pass


@dataclass(frozen=True)
class Replay[T]:
    existing: T


@dataclass(frozen=True)
class Retry:
    why: str
    failed: frozenset[str] = frozenset()  # the roles whose conditions failed
    # The items whose conditions failed, as they were (by role), for the store's own decoders
    # (loyalty.store.campaigns.learn): a failed budget share tells what it holds without a read.
    seen: Mapping[str, Sequence[Item | None]] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Refused:
    reason: str


type Outcome[T] = Written | Replay[T] | Retry | Refused

_NAMES = ("PK", "SK")


def outbox(events: Sequence[Event], balances: Balances | None = None, *, at: str) -> bytes:
    """The outbox of one write at ``at``, packed (loyalty.store.outbox). Given the balances the write
    leaves, every ``points.*`` event carries them as ``balance`` (a consumer then never has to ask for
    it); writes that ADD points without reading the member (maturing) do not know it and leave it out."""
    balance = None if balances is None else {"available": balances.available, "pending": balances.pending}
    entries = []
    for event in events:
        data = dict(event.data)
        if balance is not None and event.type.startswith("points.") and "balance" not in data:
            data["balance"] = balance
        # Event data goes through JSON so it is made of what DynamoDB stores (no floats or dates). No data
        # (member.erased) is left out: DynamoDB Local's stream shows an empty map as {}, no type at all.
        entry: dict[str, Any] = {"type": event.type}
        if data:
            entry["data"] = json.loads(json.dumps(data, default=str))
        entries.append(entry)
    return outbox_codec.pack(entries, at)


def member_update(change: MemberChange[Any]) -> TxItem:
    """The member's versioned update: only the attributes that changed, the version bumped, the outbox
    replaced. GSI keys change only when a due day changes, so the write costs an index write then only."""
    old = change.before.to_item()
    version = change.before.version + 1
    new = {
        **replace(change.after, version=version).to_item(),
        "outbox": outbox(change.events, change.after.balances, at=change.at),
    }
    # ``c`` is always set: on an item written before it (its fields under their own names, removed here
    # with the outbox's old ``outbox_at``; removing what is absent is a no-op) it must replace them.
    packed = {member_record.COLD}
    sets = {
        name: value for name, value in new.items() if name not in _NAMES and (old.get(name) != value or name in packed)
    }
    legacy = [*member_record.LEGACY, *outbox_codec.LEGACY]
    removes = [name for name in old if name not in new and name not in _NAMES] + legacy
    expression, marks = items.each("SET", sets)
    if removes:
        marks.update({f"#r{i}": name for i, name in enumerate(removes)})
        expression += " REMOVE " + ", ".join(f"#r{i}" for i in range(len(removes)))
    marks.update({"#version": "version", "#status": "status", ":read": change.before.version, ":active": "active"})
    condition = "#version = :read AND #status = :active"
    return items.update_tx("member", keys.member(change.before.member_id), expression, condition, marks)


def decide[T](result: transactions.TxResult, entry: EntryPut[T] | None) -> Outcome[T]:
    """A transaction's result as a named outcome: the entry existed (replay), a rule refused it, or
    something changed since the read (retry)."""
    if result.written:
        return Written()
    if entry is not None and result.failed_role("entry"):
        old = result.failed["entry"][0]
        if old is not None:
            return Replay(entry.decode(old))
    if result.refusals:
        return Refused(result.refusals[0])
    if result.contended:
        return Retry("another transaction held one of the items", frozenset(result.failed), result.failed)
    return Retry("something changed since it was read", frozenset(result.failed), result.failed)


def commit[T](change: MemberChange[T], booked: Books) -> Outcome[T]:
    """Write the change with what it books (loyalty.domain.bookings.books, asked by the write loop)."""
    items: list[TxItem] = []
    member_id = change.before.member_id
    if change.entry is not None:
        items.append(change.entry.booking(member_id, booked))
    elif (kept := stream_books.record_put(member_id, change.before.version + 1, booked)) is not None:
        items.append(kept)  # no entry of its own (a tier review, an expiry): the books keep an item
    held = profile_lots.split(
        change.before.lots,
        change.lots_before,
        change.portions_before,
        change.lot_deltas,
        booked.valued,
        hold=change.hold,
    )
    items.append(member_update(replace(change, after=replace(change.after, lots=held.profile))))
    items += lots.writes(
        member_id, held.item_days_before, held.item_day_deltas, held.item_portions_before, held.item_portion_deltas
    )
    items += change.more
    return decide(transactions.run(items), change.entry)


def entry_put(item: Item, role: str = "entry") -> TxItem:
    """A ledger entry of its own that a change writes besides its main one (an expiry writes one per
    day): put once; an existing one means the change was already made."""
    return items.put_tx(role, item, items.NEW)


def touch(member_id: str, events: Sequence[Event], at: str) -> TxItem:
    """Publish events of a write that changes no balance (a voucher used): the version bumps and the
    outbox carries them, so they come out in order with the member's other events."""
    marks = {"#status": "status", ":active": "active", ":one": 1, ":outbox": outbox(events, at=at)}
    expression = f"ADD version :one SET outbox = :outbox REMOVE {', '.join(outbox_codec.LEGACY)}"
    # An erased member takes no writes (its vouchers included).
    return items.update_tx(
        "member", keys.member(member_id), expression, "attribute_exists(PK) AND #status = :active", marks
    )
