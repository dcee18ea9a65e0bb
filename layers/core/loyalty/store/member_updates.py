"""Member writes that are not a change of points through the unit of work: maturing pending points
without a read and the profile (with its email guard and consent), as the transactions the write loop
runs (loyalty.store.write_loop.Prepared); due days moved by the jobs; and the transaction items other
writes add to the member partition (consent, email guard, referral marks).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from loyalty.domain import bookings, referrals
from loyalty.domain.bookings import Booking
from loyalty.domain.events import Event
from loyalty.store import items, keys, lots, stream_books
from loyalty.store.member_record import ConsentRecord, MemberRecord
from loyalty.store.transactions import TxItem
from loyalty.store.unit_of_work import MemberChange, member_update, outbox


def consent_put(member_id: str, record: ConsentRecord) -> TxItem:
    return items.put_tx("consent", record.to_item(member_id))


def mature_transaction(
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
) -> list[TxItem]:
    """Pending -> available for one order, without reading the member: the order item leaves its
    bucket (``order``), its points join their expiry day, the member's pending and available move by
    ``points`` and its version is bumped (a writer that read the member before retries). The
    transaction's items; a failed ``member`` condition says the member's expiry day (or the member)
    is not what the form assumed.

    The member's expiry day must stay a lower bound of its soonest points. Without a read that takes two
    forms: ``keep`` leaves the day alone if it is no later than ``expires_on``; ``sooner`` moves a later
    (or missing) one to ``expires_on``. One of the two conditions always holds. Points that never expire
    (``none``) leave it alone."""
    marks: dict[str, Any] = {
        "#status": "status",
        "#pk": "GSI5PK",
        "#sk": "GSI5SK",
        ":points": points,
        ":minus": -points,
        ":one": 1,
        ":active": "active",
        ":outbox": outbox(events, at=at),
        ":day": expires_on,
    }
    expression = "ADD available :points, pending :minus, version :one SET outbox = :outbox"
    condition = "pending >= :points AND #status = :active"
    if expiry == "sooner":
        expression += ", #pk = :pk, #sk = :day"
        marks[":pk"] = keys.due("EXPIRY", member_id, expires_on)["GSI5PK"]
        condition += " AND (attribute_not_exists(#sk) OR #sk > :day)"
    elif expiry == "keep":
        condition += " AND #sk <= :day"
        del marks["#pk"]
    else:
        del marks["#pk"], marks["#sk"], marks[":day"]
    if points <= 0:
        return [order]
    # Points are issued (enter the balance, and the accounts) when they mature, at the value then.
    booking = Booking("issued_sales", book_day or at[:10], value, "sale", counters={"pending_p": -points})
    booked = bookings.books(booking, {expires_on: points}, {}, None, None)
    # Kept on the order (``booked_m``, set once: the points mature once): its stream record carries the
    # books to the consumer, and a rebuild reads them there.
    expression += " REMOVE outbox_at"  # an item written before the outbox was packed (loyalty.store.outbox)
    member = items.update_tx("member", keys.member(member_id), expression, condition, marks)
    kept = stream_books.keeping(order, stream_books.durable(member_id, booked), f"{stream_books.DURABLE}_m")
    return [kept, member, *lots.writes(member_id, {}, {expires_on: points}, {}, booked.valued)]


def move_due(member_id: str, kind: str, seen: date, day: date | None) -> bool:
    """Move the member's ``kind`` due day from ``seen`` (as a job found it) to ``day`` (None: out of the
    index), unless someone moved it since: then their day stands. No version bump: no balance changes."""
    index = keys.DUE_INDEX[kind]
    marks: dict[str, Any] = {"#pk": f"{index}PK", "#sk": f"{index}SK", ":seen": seen.isoformat()}
    if day is None:
        expression = "REMOVE #pk, #sk"
    else:
        expression = "SET #pk = :pk, #sk = :day"
        marks[":pk"] = keys.due(kind, member_id, day.isoformat())[f"{index}PK"]
        marks[":day"] = day.isoformat()
    return items.update(keys.member(member_id), expression, "#sk = :seen", marks).written


def profile_transaction(
    before: MemberRecord, after: MemberRecord, events: Sequence[Event], at: str, consent: ConsentRecord | None = None
) -> list[TxItem]:
    """Profile changes, versioned like every member write; a change of consent is recorded in the same
    transaction; when the email changes its guard moves too (its outcome is Refused("email_taken") when
    another member holds the new one)."""
    if bookings.counted_tier(before.status, before.tier) != bookings.counted_tier(after.status, after.tier):
        raise ValueError("a profile change leaves the tier alone: tier counts move only with a booking")
    writes = [member_update(MemberChange(before, after, at, events))]
    if consent is not None:
        writes.append(consent_put(before.member_id, consent))
    if after.email != before.email and after.email is not None:
        guard = {**keys.email(after.email), "member_id": after.member_id}
        writes.append(
            items.put_tx(
                "email",
                guard,
                items.NEW,
                old=True,
                # Held by this member already: our own earlier attempt landed (its answer was lost).
                explain=lambda old: None if old and old.get("member_id") == after.member_id else "email_taken",
            )
        )
        writes.append(referral_mailbox(after.referral_code, after.email))
        if before.email is not None:
            mine = {":me": before.member_id}
            writes.append(items.delete_tx("old_email", keys.email(before.email), "member_id = :me", mine))
    return writes


def release_email(member_id: str, address: str) -> TxItem:
    """Transaction item: the email's guard deleted (an erasure), so the address may enroll again. Only
    the member's own guard; one already gone is fine."""
    condition = "attribute_not_exists(PK) OR member_id = :me"
    return items.delete_tx("email", keys.email(address), condition, {":me": member_id})


def referral_mailbox(code: str, address: str | None) -> TxItem:
    """Transaction item: the mailbox key on the member's referral code follows its email (None: an
    erasure takes it off, so nothing of the address stays behind)."""
    key = keys.referral(code)
    if address is None:
        return items.update_tx("referral_mailbox", key, "REMOVE email_key", "attribute_exists(PK)")
    marks = {":mailbox": referrals.email_key(address)}
    return items.update_tx("referral_mailbox", key, "SET email_key = :mailbox", "attribute_exists(PK)", marks)


def referral_mark(member_id: str, state: str | None, expected: str | None) -> TxItem:
    """Transaction item: the member's referral state moves from ``expected`` to ``state`` (None: none),
    without a version bump (no balance changes; concurrent accruals keep their read)."""
    marks: dict[str, Any] = {"#referral": "referral"}
    if expected is None:
        condition = "attribute_exists(PK) AND attribute_not_exists(#referral)"
    else:
        condition = "#referral = :expected"
        marks[":expected"] = expected
    if state is None:
        expression = "REMOVE #referral"
    else:
        expression = "SET #referral = :state"
        marks[":state"] = state
    return items.update_tx("referee_member", keys.member(member_id), expression, condition, marks)
