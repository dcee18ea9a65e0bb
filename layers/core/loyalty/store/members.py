"""The member partition: the profile item and its lots, how they are read, and every write to them.

The profile (``MemberRecord``) carries the balances, the tier and its qualifying buckets, the days the
daily jobs are next due for the member (as keys of their indexes), the email bookkeeping and the
outbox of the member's last write. Everything on it is bounded: no attribute grows with the member's
history, so the item stays well under 1 KB for a typical member and its writes cost the same on day 1
and on day 1,000.

``commit`` is the one unit of work for a change of a member's balance: the ledger entry put once (its
key is the client's id), the member version-checked, the lots taken from or given to, and whatever the
use case adds (an order's refund state, a reward's stock, a per-member limit), in one TransactWriteItems
that answers a named outcome.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from botocore.exceptions import ClientError

from loyalty.domain import accounting as books
from loyalty.domain import referrals, valuation
from loyalty.domain.balances import Balances
from loyalty.domain.events import Event
from loyalty.domain.tiers import Qualifying
from loyalty.domain.valuation import Kind, Portion, Source
from loyalty.store import accounting, keys, lots, transactions
from loyalty.store.client import (
    Item,
    condition_failed,
    dynamodb,
    from_item,
    table_name,
    to_item,
    to_value,
    update_if,
)
from loyalty.store.transactions import TxItem

Status = Literal["active", "erased", "merged"]
FIRST_LOT_MONTHS = 4  # enough for the next three expiry days even with a month of ended days first
DUE_KINDS = ("DORMANT", "TIER", "EXPIRY", "REMIND")


@dataclass(frozen=True)
class DueDays:
    """The days the member waits for in each member index (None: not in it)."""

    dormancy: date | None = None
    tier_review: date | None = None
    expiry: date | None = None
    reminder: date | None = None

    def by_kind(self) -> dict[str, date | None]:
        return {"DORMANT": self.dormancy, "TIER": self.tier_review, "EXPIRY": self.expiry, "REMIND": self.reminder}


@dataclass(frozen=True)
class EmailState:
    last_email_on: str | None = None
    last_email_kind: str | None = None
    reminded_until: str | None = None  # the last expiry day an expiry reminder spoke of
    dormant_notified_for: str | None = None  # the last_activity_at of the dormant spell already emailed


def packed(counts: Sequence[int]) -> bytes:
    """Bucket counts as unsigned LEB128 varints: a year of weekly buckets in about 120 bytes, where a
    list of numbers takes 215 (the member item's size prices every write of the member)."""
    out = bytearray()
    for count in counts:
        value = max(int(count), 0)
        while True:
            byte, value = value & 0x7F, value >> 7
            out.append(byte | (0x80 if value else 0))
            if not value:
                break
    return bytes(out)


def unpacked(data: object) -> tuple[int, ...]:
    counts: list[int] = []
    value = shift = 0
    for byte in data if isinstance(data, bytes) else b"":
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            counts.append(value)
            value = shift = 0
    return tuple(counts)


@dataclass(frozen=True)
class MemberRecord:
    member_id: str
    email: str | None
    name: str | None
    locale: str | None
    status: Status
    enrolled_at: str
    last_activity_at: str
    marketing_opt_in: bool
    referral_code: str
    referred_by: str | None
    tier: str
    tier_since: str | None
    balances: Balances
    qualifying: Qualifying
    due: DueDays
    emails: EmailState = field(default_factory=EmailState)
    version: int = 0
    consent_source: str | None = None  # where the current marketing_opt_in came from (api, unsubscribe_link, import)
    consent_seq: int = 0  # consent records written so far (they sit in a ring of CONSENT_SLOTS items)
    # Orders of this member each campaign with a per_member_limit benefited, for the program's running
    # campaigns only (bounded by the program's campaigns): read with the member, guarded by its version.
    campaign_uses: Mapping[str, int] = field(default_factory=dict)
    last_order_on: str | None = None  # the local day of the member's last order (for the KPIs)
    orders_count: int = 0  # orders so far, counted up to 2 (a KPI only needs first and second)
    # A referred member's referral: "candidate" while an order that may complete it is pending (no other
    # order becomes one meanwhile), "completed" once one did (none ever will again), None before.
    referral: str | None = None
    # Enrolled by a platform's checkout, not by its owner: whoever enrolls its email takes it over
    # (loyalty.store.merges), and then it is "merged" into that member (``merged_into``).
    provisional: bool = False
    merged_into: str | None = None

    def to_item(self) -> Item:
        item: Item = {
            **keys.member(self.member_id),
            "email": self.email,
            "name": self.name,
            "locale": self.locale,
            "status": self.status,
            "enrolled_at": self.enrolled_at,
            "last_activity_at": self.last_activity_at,
            "marketing_opt_in": self.marketing_opt_in,
            "referral_code": self.referral_code,
            "referred_by": self.referred_by,
            "tier": self.tier,
            "tier_since": self.tier_since,
            "available": self.balances.available,
            "pending": self.balances.pending,
            "lifetime_earned": self.balances.lifetime_earned,
            "debt": self.balances.debt,
            "q_size": self.qualifying.size,
            "q_first": self.qualifying.first,
            "q": packed(self.qualifying.counts) or None,
            "last_email_on": self.emails.last_email_on,
            "last_email_kind": self.emails.last_email_kind,
            "reminded_until": self.emails.reminded_until,
            "dormant_notified_for": self.emails.dormant_notified_for,
            "version": self.version,
            "consent_source": self.consent_source,
            "consent_seq": self.consent_seq or None,
            "campaign_uses": dict(self.campaign_uses) or None,
            "last_order_on": self.last_order_on,
            "orders_count": self.orders_count or None,
            "referral": self.referral,
            "provisional": self.provisional or None,
            "merged_into": self.merged_into,
        }
        for kind, day in self.due.by_kind().items():
            if day is not None:
                item.update(keys.due(kind, self.member_id, day.isoformat()))
        return {name: value for name, value in item.items() if value is not None}

    @classmethod
    def from_item(cls, item: Item) -> MemberRecord:
        def day(kind: str) -> date | None:
            value = item.get(f"{keys.DUE_INDEX[kind]}SK")
            return date.fromisoformat(str(value)) if value else None

        return cls(
            member_id=keys.member_id_of(str(item["PK"])),
            email=item.get("email"),
            name=item.get("name"),
            locale=item.get("locale"),
            status=item.get("status", "active"),
            enrolled_at=str(item["enrolled_at"]),
            last_activity_at=str(item["last_activity_at"]),
            marketing_opt_in=bool(item.get("marketing_opt_in", False)),
            referral_code=str(item["referral_code"]),
            referred_by=item.get("referred_by"),
            tier=str(item["tier"]),
            tier_since=item.get("tier_since"),
            balances=Balances(
                available=int(item.get("available", 0)),
                pending=int(item.get("pending", 0)),
                lifetime_earned=int(item.get("lifetime_earned", 0)),
                debt=int(item.get("debt", 0)),
            ),
            qualifying=Qualifying(int(item.get("q_size", 1)), int(item.get("q_first", 0)), unpacked(item.get("q"))),
            due=DueDays(day("DORMANT"), day("TIER"), day("EXPIRY"), day("REMIND")),
            emails=EmailState(
                last_email_on=item.get("last_email_on"),
                last_email_kind=item.get("last_email_kind"),
                reminded_until=item.get("reminded_until"),
                dormant_notified_for=item.get("dormant_notified_for"),
            ),
            version=int(item.get("version", 0)),
            consent_source=item.get("consent_source"),
            consent_seq=int(item.get("consent_seq", 0)),
            campaign_uses={str(k): int(v) for k, v in (item.get("campaign_uses") or {}).items()},
            last_order_on=item.get("last_order_on"),
            orders_count=int(item.get("orders_count", 0)),
            referral=item.get("referral"),
            provisional=bool(item.get("provisional", False)),
            merged_into=item.get("merged_into"),
        )


@dataclass(frozen=True)
class ConsentRecord:
    """One change of a member's marketing consent: what it became, who said so and when. The last
    CONSENT_SLOTS changes are kept (a ring of items in the member's partition: bounded, no read to
    write one), and a member's export shows them."""

    marketing_opt_in: bool
    source: str  # api | unsubscribe_link | import
    key_id: str | None
    at: str
    seq: int

    def to_item(self, member_id: str) -> Item:
        item: Item = {
            **keys.consent(member_id, self.seq % CONSENT_SLOTS),
            "marketing_opt_in": self.marketing_opt_in,
            "source": self.source,
            "key_id": self.key_id,
            "at": self.at,
            "seq": self.seq,
        }
        return {name: value for name, value in item.items() if value is not None}

    @classmethod
    def from_item(cls, item: Item) -> ConsentRecord:
        return cls(
            bool(item["marketing_opt_in"]), str(item["source"]), item.get("key_id"), str(item["at"]), int(item["seq"])
        )


CONSENT_SLOTS = 20


def consent_put(member_id: str, record: ConsentRecord) -> TxItem:
    return TxItem("consent", {"Put": {"TableName": table_name(), "Item": to_item(record.to_item(member_id))}})


def consents(member_id: str) -> list[ConsentRecord]:
    """The member's kept consent changes, oldest first."""
    answer = dynamodb().query(
        TableName=table_name(),
        KeyConditionExpression="PK = :pk AND begins_with(SK, :consent)",
        ExpressionAttributeValues={
            ":pk": to_value(keys.member_partition(member_id)),
            ":consent": to_value(keys.CONSENT_PREFIX),
        },
        ConsistentRead=True,
    )
    found = [ConsentRecord.from_item(from_item(raw)) for raw in answer.get("Items", [])]
    return sorted(found, key=lambda record: record.seq)


@dataclass(frozen=True)
class MemberState:
    """One read of the member: the profile and the points it holds by expiry day. ``complete`` is
    False when only the first months of lots were read (enough to show and to add, not to spend);
    ``through_month`` is then the last month read."""

    member: MemberRecord
    lots: dict[str, int]
    complete: bool
    through_month: str | None = None
    portions: dict[Portion, int] = field(default_factory=dict)  # the lots' points valued at issue


ReadLots = Literal["none", "first", "all"]


def read(member_id: str, lots_wanted: ReadLots = "first") -> MemberState | None:
    """The profile and its lots in one strongly consistent Query: the first few months (a member's
    view, an accrual: one read unit) or all of them (spending: bounded by the expiry horizon)."""
    if lots_wanted == "none":
        found = dynamodb().get_item(TableName=table_name(), Key=to_item(keys.member(member_id)), ConsistentRead=True)
        if "Item" not in found:
            return None
        # No lot was read: every month is "beyond what was read".
        return MemberState(
            MemberRecord.from_item(from_item(found["Item"])), {}, complete=False, through_month="0000-00"
        )
    request: dict[str, Any] = {
        "TableName": table_name(),
        "KeyConditionExpression": "PK = :pk AND begins_with(SK, :profile)",
        "ExpressionAttributeValues": {
            ":pk": to_value(keys.member_partition(member_id)),
            ":profile": to_value(keys.PROFILE),
        },
        "ConsistentRead": True,
    }
    if lots_wanted == "first":
        request["Limit"] = 1 + FIRST_LOT_MONTHS
    profile: MemberRecord | None = None
    held: dict[str, int] = {}
    portions: dict[Portion, int] = {}
    last_month: str | None = None
    while True:
        answer = dynamodb().query(**request)
        for raw in answer.get("Items", []):
            item = from_item(raw)
            if item["SK"] == keys.PROFILE:
                profile = MemberRecord.from_item(item)
            else:
                held.update(lots.days_of(item))
                portions.update(lots.portions_of(item))
                last_month = keys.month_of_lot(str(item["SK"]))
        start = answer.get("LastEvaluatedKey")
        if start is None:
            last_month = None
            break
        if lots_wanted == "first":
            break
        request["ExclusiveStartKey"] = start
    if profile is None:
        return None
    return MemberState(profile, held, complete=last_month is None, through_month=last_month, portions=portions)


# --- the unit of work --------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryPut[T]:
    """The ledger entry a change is recorded by, put once: its key is the client's id (or an id derived
    from what it records), so a retry finds the first one. ``decode`` reads the stored one back."""

    item: Item
    decode: Callable[[Item], T]

    def tx(self) -> TxItem:
        return TxItem(
            "entry",
            {
                "Put": {
                    "TableName": table_name(),
                    "Item": to_item(self.item),
                    "ConditionExpression": "attribute_not_exists(PK)",
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            },
        )


@dataclass(frozen=True)
class Booking:
    """How a change enters the accounts (loyalty.store.accounting): its movement kind and booking day
    (the program's local day of the write). Points added to lots are valued at ``value`` (the program's
    point value now) and ``source``, unless ``portions`` gives the exact valued portions (signed) the
    change moves (a cancelled redemption gives back what it took); points taken come from the portions
    read (``MemberChange.portions_before``). ``counters`` are KPI counters of the same day."""

    kind: Kind | None
    day: str
    value: Decimal = Decimal(0)
    source: Source = "other"
    portions: Mapping[Portion, int] | None = None
    counters: Mapping[str, int | Decimal] = field(default_factory=dict)


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
    # (loyalty.store.campaigns.spent_seen): a failed counter tells what it holds without a read.
    seen: Mapping[str, Sequence[Item | None]] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Refused:
    reason: str


type Outcome[T] = Written | Replay[T] | Retry | Refused

_NAMES = ("PK", "SK")


def outbox(events: Sequence[Event], balances: Balances | None = None) -> list[dict[str, Any]]:
    """The outbox of one write. Given the balances the write leaves, every ``points.*`` event carries
    them as ``balance`` (a consumer then never has to ask for it); writes that ADD points without reading
    the member (maturing) do not know it and leave it out."""
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
    return entries


def member_update(change: MemberChange[Any]) -> TxItem:
    """The member's versioned update: only the attributes that changed, the version bumped, the outbox
    replaced. GSI keys change only when a due day changes, so the write costs an index write then only."""
    old = change.before.to_item()
    new = {
        **replace(change.after, version=change.before.version + 1).to_item(),
        "outbox": outbox(change.events, change.after.balances),
        "outbox_at": change.at,
    }
    sets = {name: value for name, value in new.items() if name not in _NAMES and old.get(name) != value}
    removes = [name for name in old if name not in new and name not in _NAMES]
    names: dict[str, str] = {"#version": "version", "#status": "status"}
    values: dict[str, Any] = {":read": to_value(change.before.version), ":active": to_value("active")}
    parts = []
    for i, (name, value) in enumerate(sets.items()):
        names[f"#s{i}"] = name
        values[f":s{i}"] = to_value(value)
        parts.append(f"#s{i} = :s{i}")
    expression = "SET " + ", ".join(parts)
    if removes:
        names.update({f"#r{i}": name for i, name in enumerate(removes)})
        expression += " REMOVE " + ", ".join(f"#r{i}" for i in range(len(removes)))
    condition = "#version = :read AND #status = :active"
    return TxItem(
        "member",
        {
            "Update": {
                "TableName": table_name(),
                "Key": to_item(keys.member(change.before.member_id)),
                "UpdateExpression": expression,
                "ConditionExpression": condition,
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": values,
            }
        },
    )


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


def commit[T](change: MemberChange[T]) -> Outcome[T]:
    items: list[TxItem] = []
    if change.entry is not None:
        items.append(change.entry.tx())
    items.append(member_update(change))
    moved = valued_deltas(change)
    items += lots.writes(change.before.member_id, change.lots_before, change.lot_deltas, change.portions_before, moved)
    booking = change.booking
    moves = tier_moves(change)
    if moves and booking is None:
        raise ValueError("a change of tier (or an erasure) needs its booking: the tier counts move with it")
    if booking is not None and (moved or booking.counters or moves):
        movement = valuation.movement(booking.kind, moved) if moved and booking.kind is not None else None
        counters = {**booking.counters, **moves}
        items.append(accounting.day_update(change.before.member_id, booking.day, movement, counters))
    items += change.more
    return decide(transactions.run(items), change.entry)


def tier_moves(change: MemberChange[Any]) -> dict[str, int]:
    """The tier counters a change books, read off the records rather than told by each use case, so
    that no write which changes a tier (or erases a member: it leaves its tier's count) can forget
    them. ``commit`` only takes active members, so ``before`` always counts."""

    def counted(record: MemberRecord) -> str | None:
        return record.tier if record.status == "active" else None

    return books.tier_moves(counted(change.before), counted(change.after))


def valued_deltas(change: MemberChange[Any]) -> dict[Portion, int]:
    """The valued portions a change moves (signed): what it adds at the booking's value and source,
    what it takes from the portions read (loyalty.domain.valuation.take), or the booking's own."""
    deltas = {day: delta for day, delta in change.lot_deltas.items() if delta}
    if not deltas:
        return {}
    booking = change.booking
    if booking is None:
        raise ValueError("a change of lots needs its booking")
    if booking.portions is not None:
        return {portion: points for portion, points in booking.portions.items() if points}
    takes = {day: -delta for day, delta in deltas.items() if delta < 0}
    taken = valuation.take(change.portions_before, takes)
    added = valuation.credit(deltas, booking.source, booking.value)
    return valuation.merge([added, {portion: -points for portion, points in taken.items()}])


def entry_put(item: Item, role: str = "entry") -> TxItem:
    """A ledger entry of its own that a change writes besides its main one (an expiry writes one per
    day): put once; an existing one means the change was already made."""
    return TxItem(
        role,
        {"Put": {"TableName": table_name(), "Item": to_item(item), "ConditionExpression": "attribute_not_exists(PK)"}},
    )


# --- writes outside the unit of work ----------------------------------------------------------------


def mature(
    member_id: str,
    points: int,
    expires_on: str,
    at: str,
    events: Sequence[Event],
    order: TxItem,
    *,
    expiry: Literal["keep", "sooner", "none"],
    value: Decimal = Decimal(0),
    book_day: str | None = None,
) -> transactions.TxResult:
    """Pending -> available for one order, without reading the member: the order item leaves its
    bucket (``order``), its points join their expiry day, the member's pending and available move by
    ``points`` and its version is bumped (a writer that read the member before retries).

    The member's expiry day must stay a lower bound of its soonest points. Without a read that takes two
    forms: ``keep`` leaves the day alone if it is no later than ``expires_on``; ``sooner`` moves a later
    (or missing) one to ``expires_on``. One of the two conditions always holds. Points that never expire
    (``none``) leave it alone."""
    key = keys.due("EXPIRY", member_id, expires_on)
    names = {"#status": "status", "#pk": "GSI5PK", "#sk": "GSI5SK"}
    values: dict[str, Any] = {
        ":points": to_value(points),
        ":minus": to_value(-points),
        ":one": to_value(1),
        ":active": to_value("active"),
        ":outbox": to_value(outbox(events)),
        ":at": to_value(at),
        ":day": to_value(expires_on),
    }
    expression = "ADD available :points, pending :minus, version :one SET outbox = :outbox, outbox_at = :at"
    condition = "pending >= :points AND #status = :active"
    if expiry == "sooner":
        expression += ", #pk = :pk, #sk = :day"
        values[":pk"] = to_value(key["GSI5PK"])
        condition += " AND (attribute_not_exists(#sk) OR #sk > :day)"
    elif expiry == "keep":
        condition += " AND #sk <= :day"
        del names["#pk"]
    else:
        del names["#pk"], names["#sk"], values[":day"]
    member = TxItem(
        "member",
        {
            "Update": {
                "TableName": table_name(),
                "Key": to_item(keys.member(member_id)),
                "UpdateExpression": expression,
                "ConditionExpression": condition,
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": values,
            }
        },
    )
    if points <= 0:
        return transactions.run([order])
    # Points are issued (enter the balance, and the accounts) when they mature, at the value then.
    portions = valuation.credit({expires_on: points}, "sale", value)
    items = [order, member, *lots.writes(member_id, {}, {expires_on: points}, {}, portions)]
    items.append(
        accounting.day_update(
            member_id, book_day or at[:10], valuation.movement("issued_sales", portions), {"pending_p": -points}
        )
    )
    return transactions.run(items)


def touch(member_id: str, events: Sequence[Event], at: str) -> TxItem:
    """Publish events of a write that changes no balance (a voucher used): the version bumps and the
    outbox carries them, so they come out in order with the member's other events."""
    return TxItem(
        "member",
        {
            "Update": {
                "TableName": table_name(),
                "Key": to_item(keys.member(member_id)),
                "UpdateExpression": "ADD version :one SET outbox = :outbox, outbox_at = :at",
                # An erased member takes no writes (its vouchers included).
                "ConditionExpression": "attribute_exists(PK) AND #status = :active",
                "ExpressionAttributeNames": {"#status": "status"},
                "ExpressionAttributeValues": {
                    ":active": to_value("active"),
                    ":one": to_value(1),
                    ":outbox": to_value(outbox(events)),
                    ":at": to_value(at),
                },
            }
        },
    )


def move_due(member_id: str, kind: str, seen: date, day: date | None) -> bool:
    """Move the member's ``kind`` due day from ``seen`` (as a job found it) to ``day`` (None: out of the
    index), unless someone moved it since: then their day stands. No version bump: no balance changes."""
    index = keys.DUE_INDEX[kind]
    names = {"#pk": f"{index}PK", "#sk": f"{index}SK"}
    values: dict[str, Any] = {":seen": to_value(seen.isoformat())}
    if day is None:
        expression = "REMOVE #pk, #sk"
    else:
        expression = "SET #pk = :pk, #sk = :day"
        new = keys.due(kind, member_id, day.isoformat())
        values[":pk"] = to_value(new[f"{index}PK"])
        values[":day"] = to_value(day.isoformat())
    return update_if(keys.member(member_id), expression, "#sk = :seen", names, values)


# --- enrollment and the profile ----------------------------------------------------------------------


@dataclass(frozen=True)
class EnrollConflict:
    """Why an enrollment transaction was cancelled, with what stood in its way."""

    existing: MemberRecord | None
    email_owner: str | None
    referral_clash: bool
    unknown_referrer: bool
    # Every role whose condition failed, with the old items returned (the use case's own items too).
    failed: Mapping[str, Sequence[Item | None]] = field(default_factory=dict)
    # The code exists but is the member's own, or its owner has the same mailbox (DynamoDB returned it).
    self_referral: bool = False


def enroll(
    record: MemberRecord,
    events: Sequence[Event],
    at: str,
    consent: ConsentRecord,
    day: str | None = None,
    lot_days: Mapping[str, int] | None = None,
    more: Sequence[TxItem] = (),
    value: Decimal = Decimal(0),
) -> EnrollConflict | Retry | None:
    """Create the member, claim its email and its referral code in one transaction; None on success.
    A signup bonus comes with it: its points in ``lot_days`` and its entry in ``more``.

    The old member and email items come back with the cancellation (ReturnValuesOnConditionCheckFailure),
    so telling an idempotent replay from a conflict costs no extra read."""
    table = table_name()
    item = {**record.to_item(), "outbox": outbox(events, record.balances), "outbox_at": at}
    items = [
        TxItem(
            "member",
            {
                "Put": {
                    "TableName": table,
                    "Item": to_item(item),
                    "ConditionExpression": "attribute_not_exists(PK)",
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            },
        ),
        TxItem(
            "email",
            {
                "Put": {
                    "TableName": table,
                    "Item": to_item({**keys.email(str(record.email)), "member_id": record.member_id}),
                    "ConditionExpression": "attribute_not_exists(PK)",
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            },
        ),
        TxItem(
            "referral_code",
            {
                "Put": {
                    "TableName": table,
                    "Item": to_item(
                        {
                            **keys.referral(record.referral_code),
                            "member_id": record.member_id,
                            **({"email_key": referrals.email_key(record.email)} if record.email else {}),
                        }
                    ),
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            },
        ),
    ]
    items.append(consent_put(record.member_id, consent))
    # Signup points are issued "other" (not a sale) at the program's point value now.
    portions = valuation.credit(lot_days or {}, "other", value)
    items += lots.writes(record.member_id, {}, lot_days or {}, {}, portions)
    items += more
    issued = valuation.movement("issued_other", portions) if portions else None
    # The new member enters its tier (the base one, or an imported one) in the same transaction.
    counters = {"members_new": 1, **books.tier_moves(None, record.tier)}
    items.append(accounting.day_update(record.member_id, day or at[:10], issued, counters=counters))
    if record.referred_by is not None:
        items.append(referrer_add(record, record.referred_by))
    result = transactions.run(items)
    if result.written:
        return None
    if not result.failed:
        return Retry("enrollment collided with a concurrent write")
    return enroll_conflict(result)


def referrer_add(record: MemberRecord, code: str) -> TxItem:
    """Transaction item: the referrer's code counts one more referee (GET /v1/members/{id}/referrals:
    pending), on the condition that the code exists and is neither the member's own nor held by the
    same mailbox; the old item comes back with a cancellation, so the answer says which (no read first)."""
    values: dict[str, Any] = {":one": to_value(1), ":me": to_value(record.member_id)}
    condition = "attribute_exists(PK) AND member_id <> :me"
    if record.email:
        values[":mailbox"] = to_value(referrals.email_key(record.email))
        condition += " AND (attribute_not_exists(email_key) OR email_key <> :mailbox)"
    return TxItem(
        "referrer",
        {
            "Update": {
                "TableName": table_name(),
                "Key": to_item(keys.referral(code)),
                "UpdateExpression": "ADD referred :one",
                "ConditionExpression": condition,
                "ExpressionAttributeValues": values,
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        },
    )


def enroll_conflict(result: transactions.TxResult) -> EnrollConflict:
    """Why an enrollment (or a takeover: loyalty.store.merges) was cancelled, from the old items."""
    existing = result.failed.get("member", [None])[0]
    owner = result.failed.get("email", [None])[0]
    referrer = result.failed.get("referrer", [None])[0] if result.failed_role("referrer") else None
    return EnrollConflict(
        existing=MemberRecord.from_item(existing) if existing else None,
        email_owner=str(owner["member_id"]) if owner else None,
        referral_clash=result.failed_role("referral_code"),
        unknown_referrer=result.failed_role("referrer") and referrer is None,
        failed=result.failed,
        self_referral=referrer is not None,
    )


def update_profile(
    before: MemberRecord, after: MemberRecord, events: Sequence[Event], at: str, consent: ConsentRecord | None = None
) -> Outcome[None]:
    """Profile changes, versioned like every member write; a change of consent is recorded in the same
    transaction; when the email changes its guard moves too (Refused("email_taken") when another member
    holds the new one)."""
    if tier_moves(MemberChange(before, after, at)):
        raise ValueError("a profile change leaves the tier alone: tier counts move only with a booking")
    items = [member_update(MemberChange(before, after, at, events))]
    if consent is not None:
        items.append(consent_put(before.member_id, consent))
    if after.email != before.email and after.email is not None:
        items.append(
            TxItem(
                "email",
                {
                    "Put": {
                        "TableName": table_name(),
                        "Item": to_item({**keys.email(after.email), "member_id": after.member_id}),
                        "ConditionExpression": "attribute_not_exists(PK)",
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                    }
                },
                # Held by this member already: our own earlier attempt landed (its answer was lost).
                explain=lambda old: None if old and old.get("member_id") == after.member_id else "email_taken",
            )
        )
        items.append(referral_mailbox(after.referral_code, after.email))
        if before.email is not None:
            items.append(
                TxItem(
                    "old_email",
                    {
                        "Delete": {
                            "TableName": table_name(),
                            "Key": to_item(keys.email(before.email)),
                            "ConditionExpression": "member_id = :me",
                            "ExpressionAttributeValues": {":me": to_value(before.member_id)},
                        }
                    },
                )
            )
    return decide(transactions.run(items), None)


def release_email(member_id: str, address: str) -> TxItem:
    """Transaction item: the email's guard deleted (an erasure), so the address may enroll again. Only
    the member's own guard; one already gone is fine."""
    return TxItem(
        "email",
        {
            "Delete": {
                "TableName": table_name(),
                "Key": to_item(keys.email(address)),
                "ConditionExpression": "attribute_not_exists(PK) OR member_id = :me",
                "ExpressionAttributeValues": {":me": to_value(member_id)},
            }
        },
    )


def referral_mailbox(code: str, address: str | None) -> TxItem:
    """Transaction item: the mailbox key on the member's referral code follows its email (None: an
    erasure takes it off, so nothing of the address stays behind)."""
    update: dict[str, Any] = {"TableName": table_name(), "Key": to_item(keys.referral(code))}
    if address is None:
        update["UpdateExpression"] = "REMOVE email_key"
    else:
        update["UpdateExpression"] = "SET email_key = :mailbox"
        update["ExpressionAttributeValues"] = {":mailbox": to_value(referrals.email_key(address))}
    update["ConditionExpression"] = "attribute_exists(PK)"
    return TxItem("referral_mailbox", {"Update": update})


def referral_mark(member_id: str, state: str | None, expected: str | None) -> TxItem:
    """Transaction item: the member's referral state moves from ``expected`` to ``state`` (None: none),
    without a version bump (no balance changes; concurrent accruals keep their read)."""
    names = {"#referral": "referral"}
    values: dict[str, Any] = {}
    if expected is None:
        condition = "attribute_exists(PK) AND attribute_not_exists(#referral)"
    else:
        condition = "#referral = :expected"
        values[":expected"] = to_value(expected)
    if state is None:
        expression = "REMOVE #referral"
    else:
        expression = "SET #referral = :state"
        values[":state"] = to_value(state)
    update: dict[str, Any] = {
        "TableName": table_name(),
        "Key": to_item(keys.member(member_id)),
        "UpdateExpression": expression,
        "ConditionExpression": condition,
        "ExpressionAttributeNames": names,
    }
    if values:
        update["ExpressionAttributeValues"] = values
    return TxItem("referee_member", {"Update": update})


def email_owner(address: str) -> str | None:
    """The member holding an email (the guard item), or None."""
    answer = dynamodb().get_item(TableName=table_name(), Key=to_item(keys.email(address)), ConsistentRead=True)
    return str(from_item(answer["Item"])["member_id"]) if "Item" in answer else None


# --- email bookkeeping: claims before a send, their release, the unsubscribe ------------------------


@dataclass(frozen=True)
class Claim:
    """What a send changed on the profile, to put back if the send fails."""

    member_id: str
    claim_id: str
    previous: dict[str, Any]  # attribute -> old value (None: it was absent)


def claim_email(
    member_id: str,
    *,
    claim_id: str,
    kind: str,
    today: str,
    cooldown_cutoff: str | None,
    sets: Mapping[str, Any],
    conditions: Mapping[str, Any],
    due_kind: str,
    seen_due: str,
    next_due: str | None,
    previous: Mapping[str, Any],
) -> Claim | None:
    """Record an email as sent before sending it; None when the member may not get it (any more).

    Conditions re-check, on the current item, what the decision was based on: still active and opted in
    (an unsubscribe wins), the cooldown, the due day the job found (nobody handled it meanwhile) and the
    ``conditions`` given (attribute -> value it must still have). Success means this run, and no other,
    sends the email: at most once, even when two runs overlap. The due day moves on in the same write."""
    index = keys.DUE_INDEX[due_kind]
    fields = {"last_email_on": today, "last_email_kind": kind, "email_claim": claim_id, **sets}
    names: dict[str, str] = {"#status": "status", "#duesk": f"{index}SK", "#duepk": f"{index}PK"}
    values: dict[str, Any] = {
        ":active": to_value("active"),
        ":yes": to_value(True),
        ":seen": to_value(seen_due),
    }
    checks = ["#status = :active", "marketing_opt_in = :yes", "#duesk = :seen"]
    if cooldown_cutoff is not None:
        checks.append("(attribute_not_exists(last_email_on) OR last_email_on <= :cutoff)")
        values[":cutoff"] = to_value(cooldown_cutoff)
    for i, (name, value) in enumerate(conditions.items()):
        names[f"#c{i}"] = name
        if value is None:
            checks.append(f"attribute_not_exists(#c{i})")
        else:
            values[f":c{i}"] = to_value(value)
            checks.append(f"#c{i} = :c{i}")
    parts = []
    for i, (name, value) in enumerate(fields.items()):
        names[f"#f{i}"] = name
        values[f":f{i}"] = to_value(value)
        parts.append(f"#f{i} = :f{i}")
    expression = "SET " + ", ".join(parts)
    if next_due is None:
        expression += " REMOVE #duepk, #duesk"
    else:
        values[":duepk"] = to_value(keys.due(due_kind, member_id, next_due)[f"{index}PK"])
        values[":duesk"] = to_value(next_due)
        expression += ", #duepk = :duepk, #duesk = :duesk"
    try:
        dynamodb().update_item(
            TableName=table_name(),
            Key=to_item(keys.member(member_id)),
            UpdateExpression=expression,
            ConditionExpression=" AND ".join(checks),
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
            # When the response to a claim that landed is lost, the SDK sends it again and the condition
            # fails on the claim itself: the old item tells that case apart from "not due any more".
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    except ClientError as error:
        if not condition_failed(error):
            raise
        current: dict[str, Any] = error.response.get("Item") or {}  # type: ignore[assignment]
        if current.get("email_claim") != to_value(claim_id):
            return None
    restore = {name: previous.get(name) for name in fields if name != "email_claim"}
    restore[f"{index}SK"] = seen_due
    restore[f"{index}PK"] = keys.due(due_kind, member_id, seen_due)[f"{index}PK"]
    return Claim(member_id, claim_id, restore)


def release(claim: Claim) -> bool:
    """Undo a claim whose email SES refused, so the member is due again and the next run tries again.
    Only our own claim is undone."""
    sets = {name: value for name, value in claim.previous.items() if value is not None}
    removes = [name for name, value in claim.previous.items() if value is None] + ["email_claim"]
    names = {f"#s{i}": name for i, name in enumerate(sets)} | {f"#r{i}": name for i, name in enumerate(removes)}
    values = {f":s{i}": to_value(value) for i, value in enumerate(sets.values())}
    values[":claim"] = to_value(claim.claim_id)
    expression = " ".join(
        part
        for part in (
            "SET " + ", ".join(f"#s{i} = :s{i}" for i in range(len(sets))) if sets else "",
            "REMOVE " + ", ".join(f"#r{i}" for i in range(len(removes))),
        )
        if part
    )
    return update_if(keys.member(claim.member_id), expression, "email_claim = :claim", names, values)
