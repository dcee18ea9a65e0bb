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

from loyalty.domain import bookings, referrals, valuation
from loyalty.domain.events import Event
from loyalty.store import accounting, keys, lots
from loyalty.store.client import (
    table_name,
    to_item,
    to_value,
    update_if,
)
from loyalty.store.member_record import ConsentRecord, MemberRecord
from loyalty.store.transactions import TxItem
from loyalty.store.unit_of_work import MemberChange, member_update, outbox


def consent_put(member_id: str, record: ConsentRecord) -> TxItem:
    return TxItem("consent", {"Put": {"TableName": table_name(), "Item": to_item(record.to_item(member_id))}})


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
        return [order]
    # Points are issued (enter the balance, and the accounts) when they mature, at the value then.
    portions = valuation.credit({expires_on: points}, "sale", value)
    items = [order, member, *lots.writes(member_id, {}, {expires_on: points}, {}, portions)]
    items.append(
        accounting.day_update(
            member_id, book_day or at[:10], valuation.movement("issued_sales", portions), {"pending_p": -points}
        )
    )
    return items


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


def profile_transaction(
    before: MemberRecord, after: MemberRecord, events: Sequence[Event], at: str, consent: ConsentRecord | None = None
) -> list[TxItem]:
    """Profile changes, versioned like every member write; a change of consent is recorded in the same
    transaction; when the email changes its guard moves too (its outcome is Refused("email_taken") when
    another member holds the new one)."""
    if bookings.counted_tier(before.status, before.tier) != bookings.counted_tier(after.status, after.tier):
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
    return items


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
