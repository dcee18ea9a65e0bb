"""The takeover of a provisional member by the owner of its email, in one TransactWriteItems.

One transaction, so a crash half-way leaves nothing half-moved and a retry either finds it all done (the
new member exists: a replay) or does it all:

- the new member is put (``attribute_not_exists``), with the provisional member's balances, tier and
  qualifying points;
- the email's guard moves from the provisional member to it (condition: the guard still names the
  provisional member; of two enrolments racing for the address, one moves it and the other is told
  ``email_taken`` by the guard it then finds);
- the provisional member is updated at the version read (status ``merged``, ``merged_into``, nothing
  held, out of every due index, its email gone: the address is the new member's);
- every lot month moves: taken from the provisional member at what was read, added to the new member
  with the same days and valued portions;
- the provisional member's referral code becomes the taker's (its referrals go on counting for it);
- the two ``merge`` entries are put once (keys of the provisional member: it is taken over once);
- the tier counters move (one member leaves its tier, one enters it): each merge entry keeps its
  member's move, which its stream record carries to the accounting day items and a rebuild reads there
  (loyalty.store.stream_books). No movement is booked: the same points at the same issue value
  stay outstanding on the same expiry days, so the liability and the roll-forward do not change.

Bounded: 8 items plus two per lot month, so at most ``MAX_LOT_MONTHS`` lot months move in one
transaction (DynamoDB takes 100 items); a provisional member holding more is refused (``TooManyLots``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from loyalty.domain import accounting as books
from loyalty.domain import referrals
from loyalty.domain.bookings import Books
from loyalty.domain.events import Event
from loyalty.domain.valuation import Portion
from loyalty.store import items, keys, lots, profile_lots, stream_books, transactions
from loyalty.store import outbox as outbox_codec
from loyalty.store.client import Item
from loyalty.store.enrollment import EnrollConflict, enroll_conflict, referrer_add
from loyalty.store.entries import EntryFields
from loyalty.store.member_record import ConsentRecord, MemberRecord
from loyalty.store.member_updates import consent_put
from loyalty.store.transactions import TxItem
from loyalty.store.unit_of_work import MemberChange, Retry, member_update, outbox

MAX_LOT_MONTHS = 45  # 8 + 2 x 45 = 98 transaction items (10 when the day items were in it)


class TooManyLots(Exception):
    """The provisional member's lots span more months than one transaction can move."""


def merge_key(provisional_id: str, side: str) -> dict[str, str]:
    """A merge entry, keyed by the provisional member (``FROM``: its own entry, ``INTO``: the taker's),
    outside every client id's key space: a provisional member is taken over once."""
    return {"PK": f"MERGE#{provisional_id}", "SK": side}


@dataclass(frozen=True)
class MergeRecord:
    """A ``merge`` entry: the net moved (signed), and what it moved of each balance, for the audit."""

    entry: EntryFields
    provisional_id: str
    merged_with: str  # the other member
    side: str  # FROM (the provisional member's entry) or INTO (the taker's)
    available: int  # signed, as the entry moved them
    pending: int
    debt: int
    lifetime: int

    def to_item(self) -> Item:
        return {
            **merge_key(self.provisional_id, self.side),
            **self.entry.to_item(),
            "merged_with": self.merged_with,
            "moved_available": self.available,
            "moved_pending": self.pending,
            "moved_debt": self.debt,
            "moved_lifetime": self.lifetime,
        }


@dataclass(frozen=True)
class Takeover:
    """What one takeover writes, as the service decided it."""

    taker: MemberRecord  # the new member, as it is put
    provisional: MemberRecord  # as read
    merged: MemberRecord  # as it is left
    lots: Mapping[str, int]  # expiry day -> points that move
    portions: Mapping[Portion, int]  # the provisional member's valued portions (all of them move)
    entries: tuple[MergeRecord, MergeRecord]  # FROM, INTO
    taker_events: Sequence[Event]
    merged_events: Sequence[Event]
    consent: ConsentRecord
    at: str
    day: str  # the program's local day: the accounting day items


def take_over(change: Takeover) -> EnrollConflict | Retry | None:
    """Write the takeover; None when written, else why not (as an enrollment answers it)."""
    months = {lots.month_of(day) for day in change.lots}
    if len(months) > MAX_LOT_MONTHS:
        raise TooManyLots(f"{len(months)} lot months to move; one transaction moves {MAX_LOT_MONTHS}")
    taker, provisional = change.taker, change.provisional
    left = Books({}, change.day, counters=books.tier_moves(provisional.tier, None))
    entered = Books({}, change.day, counters=books.tier_moves(None, taker.tier))
    writes = [_taker_put(taker, change.taker_events, change.at), _email_move(taker, provisional)]
    writes.append(_code_move(taker, provisional))
    writes.append(consent_put(taker.member_id, change.consent))
    # The points move whole: those the provisional member's item holds go with its update, the rest
    # from its lot items; the taker receives them all on lot items.
    merged = replace(change.merged, lots={})
    update = member_update(MemberChange(provisional, merged, change.at, change.merged_events))
    writes.append(TxItem("provisional", update.request))
    given = {portion: points for portion, points in change.portions.items() if points}
    held = profile_lots.split(
        provisional.lots, change.lots, change.portions, {d: -p for d, p in change.lots.items()}, {}, hold=False
    )
    item_portions = {portion: -points for portion, points in held.item_portions_before.items()}
    item_days = {day: -points for day, points in held.item_days_before.items()}
    writes += lots.writes(
        provisional.member_id, held.item_days_before, item_days, held.item_portions_before, item_portions
    )
    writes += lots.writes(taker.member_id, {}, change.lots, {}, given)
    for record, (member_id, booked) in zip(
        change.entries, ((provisional.member_id, left), (taker.member_id, entered)), strict=True
    ):
        entry = items.put_tx("merge_entry", record.to_item(), items.NEW)
        writes.append(stream_books.keeping(entry, stream_books.durable(member_id, booked)))
    if taker.referred_by is not None:
        writes.append(referrer_add(taker, taker.referred_by))
    result = transactions.run(writes)
    if result.written:
        return None
    if not result.failed or set(result.failed) <= {"provisional", "lot", "merge_entry", "email", "code_move"}:
        # Changed since the read (an order, a redemption, another takeover): read again.
        return Retry("the provisional member changed since it was read", frozenset(result.failed))
    return enroll_conflict(result)


def _taker_put(taker: MemberRecord, events: Sequence[Event], at: str) -> TxItem:
    item = {
        **taker.to_item(),
        "outbox": outbox(events, taker.balances, at=at),
    }
    return items.put_tx("member", item, items.NEW, old=True)


def _email_move(taker: MemberRecord, provisional: MemberRecord) -> TxItem:
    values = {":taker": taker.member_id, ":provisional": provisional.member_id}
    key = keys.email(str(taker.email))
    return items.update_tx("email", key, "SET member_id = :taker", "member_id = :provisional", values, old=True)


def _code_move(taker: MemberRecord, provisional: MemberRecord) -> TxItem:
    """The provisional member's referral code becomes the taker's (its referrals, done and to come, count
    for the taker), with the taker's mailbox for the self-referral check."""
    values = {":taker": taker.member_id, ":provisional": provisional.member_id}
    expression = "SET member_id = :taker"
    if taker.email:
        values[":mailbox"] = referrals.email_key(taker.email)
        expression += ", email_key = :mailbox"
    key = keys.referral(provisional.referral_code)
    return items.update_tx("code_move", key, expression, "member_id = :provisional", values)


def merged_erasure(member: MemberRecord, events: Sequence[Event], at: str) -> TxItem:
    """Transaction item: erase a member that was taken over. It holds no points and no email (they went
    to the member it was merged into), so only its name and locale go and its status becomes ``erased``;
    at the version read (a failed condition: it changed meanwhile, read again)."""
    marks = {
        "#status": "status",
        "#version": "version",
        "#name": "name",
        "#locale": "locale",
        "#email": "email",
        ":merged": "merged",
        ":erased": "erased",
        ":read": member.version,
        ":one": 1,
        ":outbox": outbox(events, at=at),
    }
    expression = (
        "SET #status = :erased, outbox = :outbox ADD #version :one "
        f"REMOVE #name, #locale, #email, marketing_opt_in, {', '.join(outbox_codec.LEGACY)}"
    )
    condition = "#status = :merged AND #version = :read"
    return items.update_tx("member", keys.member(member.member_id), expression, condition, marks)
