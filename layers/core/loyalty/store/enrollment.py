"""Enrollment: the member, its email guard, its referral code (which keeps the first consent record and
what the enrollment booked) and the signup bonus in one transaction; a cancellation tells a replay from a
conflict by the old items it returns (no read first).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from loyalty.domain import bookings, referrals
from loyalty.domain.bookings import Booking
from loyalty.domain.events import Event
from loyalty.store import items, keys, lots, stream_books, transactions
from loyalty.store.client import (
    Item,
)
from loyalty.store.member_record import CONSENT_ON_CODE, ConsentRecord, MemberRecord
from loyalty.store.transactions import TxItem
from loyalty.store.unit_of_work import Outcome, Replay, Retry, Written, outbox


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


def transaction(
    record: MemberRecord,
    events: Sequence[Event],
    at: str,
    consent: ConsentRecord,
    day: str | None = None,
    lot_days: Mapping[str, int] | None = None,
    more: Sequence[TxItem] = (),
    value: Decimal = Decimal(0),
) -> list[TxItem]:
    """The transaction that creates the member and claims its email and its referral code (``outcome``
    names what it did). A signup bonus comes with it: its points in ``lot_days`` and its entry in ``more``.

    The old member and email items come back with a cancellation (ReturnValuesOnConditionCheckFailure),
    so telling an idempotent replay from a conflict costs no extra read."""
    # Signup points are issued "other" (not a sale) at the program's point value now; the new member
    # enters its tier (the base one, or an imported one): kept on the referral code (put once with the
    # member, never deleted), whose stream record carries it to the books and which a rebuild reads.
    booking = Booking("issued_other", day or at[:10], value=value, source="other", counters={"members_new": 1})
    booked = bookings.books(booking, lot_days or {}, {}, None, record.tier)
    profile = {
        **record.to_item(),
        "outbox": outbox(events, record.balances, at=at),
    }
    code = {
        **keys.referral(record.referral_code),
        "member_id": record.member_id,
        **({"email_key": referrals.email_key(record.email)} if record.email else {}),
        # The first consent record rides on the code, put once with the member and never deleted, rather
        # than an item of its own: 2 write units less for every enrollment (member_reads.consents).
        CONSENT_ON_CODE: consent.on_code(record.member_id),
    }
    writes = [
        items.put_tx("member", profile, items.NEW, old=True),
        items.put_tx("email", {**keys.email(str(record.email)), "member_id": record.member_id}, items.NEW, old=True),
        stream_books.keeping(
            items.put_tx("referral_code", code, items.NEW), stream_books.durable(record.member_id, booked)
        ),
    ]
    writes += lots.writes(record.member_id, {}, lot_days or {}, {}, booked.valued)
    writes += more
    if record.referred_by is not None:
        writes.append(referrer_add(record, record.referred_by))
    return writes


def outcome(result: transactions.TxResult) -> Outcome[EnrollConflict]:
    """An enrollment's result as a named outcome. The member item is put once, like an entry, keyed by
    the client's member_id: when it (or the email's guard, the referral code, the referrer) stood in the
    way, what stood there comes back as the replay's existing items, and the use case tells a replay of
    the same enrollment from a conflict (loyalty.services.members)."""
    if result.written:
        return Written()
    if not result.failed:
        return Retry("enrollment collided with a concurrent write")
    return Replay(enroll_conflict(result))


def referrer_add(record: MemberRecord, code: str) -> TxItem:
    """Transaction item: the referrer's code counts one more referee (GET /v1/members/{id}/referrals:
    pending), on the condition that the code exists and is neither the member's own nor held by the
    same mailbox; the old item comes back with a cancellation, so the answer says which (no read first)."""
    marks: dict[str, Any] = {":one": 1, ":me": record.member_id}
    condition = "attribute_exists(PK) AND member_id <> :me"
    if record.email:
        marks[":mailbox"] = referrals.email_key(record.email)
        condition += " AND (attribute_not_exists(email_key) OR email_key <> :mailbox)"
    return items.update_tx("referrer", keys.referral(code), "ADD referred :one", condition, marks, old=True)


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
