"""The member item's compact codec (loyalty.store.member_record, loyalty.store.outbox): a member read back
from what it stores is the member written; an item the previous version wrote (every field under its own
long name, the outbox a list beside ``outbox_at``) reads as the same member and the same events; the
packed forms are what keeps the item small."""

from __future__ import annotations

import base64
from dataclasses import replace
from typing import Any

from bench import aws_units
from loyalty.domain.balances import Balances
from loyalty.domain.events import Event
from loyalty.domain.tiers import Qualifying
from loyalty.store import outbox
from loyalty.store.client import from_item, to_item
from loyalty.store.member_record import COLD, LEGACY, DueDays, EmailState, MemberRecord, packed
from loyalty.store.transactions import TxItem
from loyalty.store.unit_of_work import MemberChange, member_update
from loyalty.store.unit_of_work import outbox as pack_outbox

MEMBER = MemberRecord(
    member_id="daily",
    email="daily@example.com",
    name="Grace Hopper",
    locale="en-US",
    status="active",
    enrolled_at="2027-01-04T13:00:00.000Z",
    last_activity_at="2028-01-04T18:02:00.000Z",
    marketing_opt_in=True,
    referral_code="5WPVYWDNXXTS89",
    referred_by="FRIEND123",
    tier="Gold",
    tier_since="2027-03-01",
    balances=Balances(available=1270, pending=212, lifetime_earned=77_000, debt=0),
    qualifying=Qualifying(7, 2974, (212,) * 52),
    due=DueDays(None, None, None, None),
    emails=EmailState("2027-12-20", "expiry_reminder", "2028-01-31", "2027-11-02T17:00:00.000Z"),
    version=731,
    consent_source="api",
    consent_seq=1,
    last_order_on="2028-01-03",
    orders_count=2,
)
REDEEMED = [
    {
        "type": "points.redeemed",
        "data": {
            "redemption_id": "daily-redeemed",
            "reward_id": "coffee",
            "points": 150,
            "balance": {"available": 1120, "pending": 212},
        },
    },
    {"type": "redemption.issued", "data": {"redemption_id": "daily-redeemed", "reward_id": "coffee", "code": "X7Q"}},
]


def legacy_item(member: MemberRecord) -> dict[str, Any]:
    """The member as the version before the codec wrote it (its to_item of 2026-12-07, main at 369071a)."""
    item = {
        "PK": f"MEMBER#{member.member_id}",
        "SK": "PROFILE",
        "email": member.email,
        "name": member.name,
        "locale": member.locale,
        "status": member.status,
        "enrolled_at": member.enrolled_at,
        "last_activity_at": member.last_activity_at,
        "marketing_opt_in": member.marketing_opt_in,
        "referral_code": member.referral_code,
        "referred_by": member.referred_by,
        "tier": member.tier,
        "tier_since": member.tier_since,
        "available": member.balances.available,
        "pending": member.balances.pending,
        "lifetime_earned": member.balances.lifetime_earned,
        "debt": member.balances.debt,
        "q_size": member.qualifying.size,
        "q_first": member.qualifying.first,
        "q": packed(member.qualifying.counts),
        "last_email_on": member.emails.last_email_on,
        "last_email_kind": member.emails.last_email_kind,
        "reminded_until": member.emails.reminded_until,
        "dormant_notified_for": member.emails.dormant_notified_for,
        "version": member.version,
        "consent_source": member.consent_source,
        "consent_seq": member.consent_seq,
        "last_order_on": member.last_order_on,
        "orders_count": member.orders_count,
        "outbox": REDEEMED,
        "outbox_at": "2028-01-04T18:02:00.000Z",
    }
    return {name: value for name, value in item.items() if value is not None}


def test_a_member_reads_back_as_written_and_its_cold_fields_ride_packed() -> None:
    item = MEMBER.to_item()
    assert MemberRecord.from_item(item) == MEMBER
    assert not set(LEGACY) & set(item)  # no field under its old name
    old = legacy_item(MEMBER)
    as_before = aws_units.item_size(to_item({name: old[name] for name in LEGACY if name in old}))
    assert (as_before, aws_units.item_size(to_item({COLD: item[COLD]}))) == (187, 123)
    new = replace(MEMBER, referred_by=None, tier_since=None, consent_seq=0, orders_count=0, last_order_on=None)
    assert MemberRecord.from_item(new.to_item()) == new


def test_a_time_or_day_that_would_not_come_back_exactly_is_kept_as_text() -> None:
    odd = replace(MEMBER, enrolled_at="2025-03-01T10:00:00Z", tier_since="2026-06-15", last_order_on="1999-12-31")
    assert MemberRecord.from_item(odd.to_item()) == odd
    assert '"2025-03-01T10:00:00Z"' in odd.to_item()[COLD]


def test_an_item_the_previous_version_wrote_reads_as_the_same_member_and_the_same_events() -> None:
    old = legacy_item(MEMBER)
    assert MemberRecord.from_item(old) == MEMBER
    assert outbox.entries_of(old) == REDEEMED
    write = outbox.OutboxWrite.from_images(old, {**old, "version": MEMBER.version - 1, "outbox": []}, "1")
    assert write is not None
    assert (write.occurred_at, [entry.type for entry in write.entries]) == (
        old["outbox_at"],
        [e["type"] for e in REDEEMED],
    )


def test_the_next_write_of_an_old_item_moves_its_fields_into_c_and_drops_the_old_names() -> None:
    before = MemberRecord.from_item(legacy_item(MEMBER))
    after = replace(before, balances=replace(before.balances, available=1000))
    sets, removed = update_of(member_update(MemberChange(before, after, "2028-01-05T10:00:00.000Z")))
    # ``c`` is set though no cold field changed: on the old item it stands for the long names removed.
    assert MemberRecord.from_item({**legacy_item(MEMBER), **sets, "PK": "MEMBER#daily"}) == replace(
        after, version=MEMBER.version + 1
    )
    assert sets[COLD] == MEMBER.to_item()[COLD]
    assert set(LEGACY) | {"outbox_at"} <= removed
    # The new item, with the old names gone, is the member written.
    kept = {name: value for name, value in {**legacy_item(MEMBER), **sets}.items() if name not in removed}
    assert MemberRecord.from_item(kept) == replace(after, version=MEMBER.version + 1)


def update_of(update: TxItem) -> tuple[dict[str, Any], set[str]]:
    """What a member update SETs (name -> plain value) and the names it REMOVEs, from its expression."""
    request = update.request["Update"]
    names, marks = request.get("ExpressionAttributeNames", {}), from_item(request["ExpressionAttributeValues"])
    sets, _, removes = request["UpdateExpression"].partition(" REMOVE ")
    found: dict[str, Any] = {}
    for clause in sets.removeprefix("SET ").split(", "):
        name, _, value = clause.partition(" = ")
        found[names.get(name, name)] = marks[value]
    return found, {names.get(name, name) for name in removes.split(", ")}


def test_a_redemptions_outbox_packs_to_under_half_and_comes_back_whole() -> None:
    at = "2028-01-04T18:02:00.000Z"
    value = pack_outbox([Event(e["type"], e["data"]) for e in REDEEMED], at=at)
    assert outbox.unpack(value) == (REDEEMED, at)
    as_before = aws_units.item_size(to_item({"outbox": REDEEMED, "outbox_at": at}))
    assert (as_before, aws_units.item_size(to_item({"outbox": value}))) == (248, 76)


def test_a_lambda_stream_record_gives_the_packed_outbox_as_base64_and_it_reads() -> None:
    at = "2028-01-04T18:02:00.000Z"
    new = {**MEMBER.to_item(), "outbox": outbox.pack(REDEEMED, at)}
    image = to_item(new)
    image = {name: {"B": base64.b64encode(v["B"]).decode()} if "B" in v else v for name, v in image.items()}
    record = {"eventName": "MODIFY", "dynamodb": {"Keys": {"PK": image["PK"], "SK": image["SK"]}, "NewImage": image}}
    write = outbox.from_record(record)
    assert write is not None and write.occurred_at == at
    assert [entry.data for entry in write.entries] == [e["data"] for e in REDEEMED]
