"""The member's profile item and its consent records, as the store keeps them.

The profile (``MemberRecord``) carries the balances, the tier and its qualifying buckets, the days the
daily jobs are next due for the member (as keys of their indexes), the email bookkeeping and the
outbox of the member's last write. Everything on it is bounded: no attribute grows with the member's
history, so the item stays well under 1 KB for a typical member and its writes cost the same on day 1
and on day 1,000.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from loyalty.domain.balances import Balances
from loyalty.domain.tiers import Qualifying
from loyalty.domain.valuation import Portion
from loyalty.store import keys, profile_lots
from loyalty.store.client import (
    Item,
)

Status = Literal["active", "erased", "merged"]
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
    # Lots held on the member item (loyalty.store.profile_lots): a month program's accruals add here.
    lots: Mapping[Portion, int] = field(default_factory=dict)
    # Paid memberships held, {membership_id: until} (loyalty.domain.memberships); absent when none.
    memberships: Mapping[str, str] = field(default_factory=dict)

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
            profile_lots.ATTRIBUTE: profile_lots.pack(self.lots) or None,
            "ms": dict(self.memberships) or None,
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
            lots=profile_lots.unpack(item.get(profile_lots.ATTRIBUTE)),
            memberships={str(k): str(v) for k, v in (item.get("ms") or {}).items()},
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

    def on_code(self, member_id: str) -> Item:
        """The record as a member's referral code keeps it (the first one: loyalty.store.enrollment),
        naming its member: a takeover moves the code to another member, whose records are its own."""
        kept = {name: value for name, value in self.to_item(member_id).items() if name not in ("PK", "SK")}
        return {**kept, "member_id": member_id}

    @classmethod
    def from_item(cls, item: Item) -> ConsentRecord:
        return cls(
            bool(item["marketing_opt_in"]), str(item["source"]), item.get("key_id"), str(item["at"]), int(item["seq"])
        )


CONSENT_SLOTS = 20
CONSENT_ON_CODE = "consent"  # the referral code item's attribute that keeps its member's first consent
