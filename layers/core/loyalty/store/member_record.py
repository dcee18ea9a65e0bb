"""The member's profile item and its consent records, as the store keeps them.

The profile (``MemberRecord``) carries the balances, the tier and its qualifying buckets, the days the
daily jobs are next due for the member (as keys of their indexes), the email bookkeeping and the
outbox of the member's last write. Everything on it is bounded: no attribute grows with the member's
history, so the item stays well under 1 KB for a typical member and its writes cost the same on day 1
and on day 1,000.

Every byte of the item prices every write of the member (1 write unit per KB, twice in a transaction),
so what is cold (written at enrollment or seldom, read only with the whole member, never in a condition
or an update expression of another writer) rides packed in one attribute, ``c`` (``cold``): compact JSON
under short keys, RFC 3339 times and days as numbers when they come back exactly. The attributes that
other writers name (balances, status, consent, email bookkeeping, due-index keys) keep their own. Items
written before ``c`` existed hold the same fields under their long names: read as they are, and moved into
``c`` by the member's next versioned write (``LEGACY``). To add a cold field: a key in ``_COLD``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from loyalty.domain.balances import Balances
from loyalty.domain.challenges import Progress
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


def _pair(numbers: Sequence[int]) -> tuple[int, int]:
    at, count = [*numbers, 0, 0][:2]
    return at, count


COLD = "c"
# Cold field -> its key in ``c``. The field's name is also the attribute it had before ``c`` (``LEGACY``).
_COLD = {
    "enrolled_at": "e",
    "referral_code": "rc",
    "referred_by": "rb",
    "tier_since": "ts",
    "consent_source": "cs",
    "consent_seq": "cn",
    "q_size": "qs",
    "q_first": "qf",
    "last_order_on": "lo",
    "orders_count": "oc",
}
LEGACY = tuple(_COLD)  # removed by a versioned write (``unit_of_work.member_update``), which sets ``c``
_TIMES = ("enrolled_at", "tier_since", "last_order_on")  # a time or a day: kept as a number (``_compact``)
_ZERO_IS_ABSENT = ("consent_seq", "orders_count", "q_first")  # read back as 0 when left out
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _compact(value: Any) -> Any:
    """A time (``2027-01-04T14:00:00.000Z``) as milliseconds since 2000 (a number: 8 bytes less than the
    text), a day as days since 2000, negated (-10227); anything else, or one that would not come back
    exactly, as it is."""
    if isinstance(value, str) and _STAMP.fullmatch(value):
        millis = (datetime.fromisoformat(value) - _EPOCH) // timedelta(milliseconds=1)
        return millis if _expanded(millis) == value else value
    if isinstance(value, str) and _DAY.fullmatch(value):
        days = -(date.fromisoformat(value) - _EPOCH.date()).days
        return days if days < 0 and _expanded(days) == value else value
    return value


def _expanded(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool) and value < 0:
        return (_EPOCH.date() - timedelta(days=value)).isoformat()
    if isinstance(value, int) and not isinstance(value, bool):
        return (_EPOCH + timedelta(milliseconds=value)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return value


def cold(fields: Mapping[str, Any]) -> str:
    """The cold fields (name -> value; None, 0 and "" left out) as ``c`` holds them."""
    kept = {
        _COLD[name]: _compact(value) if name in _TIMES else value
        for name, value in fields.items()
        if value is not None and not (name in _ZERO_IS_ABSENT and value == 0)
    }
    return json.dumps(kept, separators=(",", ":"), ensure_ascii=False)


def cold_fields(item: Mapping[str, Any]) -> dict[str, Any]:
    """The cold fields of an item (name -> value, absent ones left out), from ``c`` or, on an item
    written before it, from their own attributes."""
    if COLD not in item:
        return {name: item[name] for name in _COLD if item.get(name) is not None}
    packed = json.loads(str(item[COLD]))
    return {
        name: _expanded(packed[key]) if name in _TIMES else packed[key] for name, key in _COLD.items() if key in packed
    }


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
    holdout: bool = False  # drawn at enrollment (program holdout), kept for life: item attribute grp = "h"
    # Progress of the program's challenges (loyalty.domain.challenges: a few varints each, at most 10) and
    # the badges awarded {badge: (awarded_at epoch seconds, count)}: attributes ``ch`` and ``bd``.
    challenges: Mapping[str, Progress] = field(default_factory=dict)
    badges: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    # Paid memberships held, {membership_id: until} (loyalty.domain.memberships); absent when none.
    memberships: Mapping[str, str] = field(default_factory=dict)

    def to_item(self) -> Item:
        item: Item = {
            **keys.member(self.member_id),
            "email": self.email,
            "name": self.name,
            "locale": self.locale,
            "status": self.status,
            "last_activity_at": self.last_activity_at,
            "marketing_opt_in": self.marketing_opt_in,
            "tier": self.tier,
            "available": self.balances.available,
            "pending": self.balances.pending,
            "lifetime_earned": self.balances.lifetime_earned,
            "debt": self.balances.debt,
            COLD: cold(
                {
                    "enrolled_at": self.enrolled_at,
                    "referral_code": self.referral_code,
                    "referred_by": self.referred_by,
                    "tier_since": self.tier_since,
                    "consent_source": self.consent_source,
                    "consent_seq": self.consent_seq,
                    "q_size": self.qualifying.size,
                    "q_first": self.qualifying.first,
                    "last_order_on": self.last_order_on,
                    "orders_count": self.orders_count,
                }
            ),
            "q": packed(self.qualifying.counts) or None,
            "last_email_on": self.emails.last_email_on,
            "last_email_kind": self.emails.last_email_kind,
            "reminded_until": self.emails.reminded_until,
            "dormant_notified_for": self.emails.dormant_notified_for,
            "version": self.version,
            "campaign_uses": dict(self.campaign_uses) or None,
            "referral": self.referral,
            "provisional": self.provisional or None,
            "merged_into": self.merged_into,
            profile_lots.ATTRIBUTE: profile_lots.pack(self.lots) or None,
            "grp": "h" if self.holdout else None,
            "ch": {cid: packed(p.numbers()) for cid, p in self.challenges.items()} or None,
            "bd": {badge: packed(pair) for badge, pair in self.badges.items()} or None,
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

        kept = cold_fields(item)

        return cls(
            member_id=keys.member_id_of(str(item["PK"])),
            email=item.get("email"),
            name=item.get("name"),
            locale=item.get("locale"),
            status=item.get("status", "active"),
            enrolled_at=str(kept["enrolled_at"]),
            last_activity_at=str(item["last_activity_at"]),
            marketing_opt_in=bool(item.get("marketing_opt_in", False)),
            referral_code=str(kept["referral_code"]),
            referred_by=kept.get("referred_by"),
            tier=str(item["tier"]),
            tier_since=kept.get("tier_since"),
            balances=Balances(
                available=int(item.get("available", 0)),
                pending=int(item.get("pending", 0)),
                lifetime_earned=int(item.get("lifetime_earned", 0)),
                debt=int(item.get("debt", 0)),
            ),
            qualifying=Qualifying(int(kept.get("q_size", 1)), int(kept.get("q_first", 0)), unpacked(item.get("q"))),
            due=DueDays(day("DORMANT"), day("TIER"), day("EXPIRY"), day("REMIND")),
            emails=EmailState(
                last_email_on=item.get("last_email_on"),
                last_email_kind=item.get("last_email_kind"),
                reminded_until=item.get("reminded_until"),
                dormant_notified_for=item.get("dormant_notified_for"),
            ),
            version=int(item.get("version", 0)),
            consent_source=kept.get("consent_source"),
            consent_seq=int(kept.get("consent_seq", 0)),
            campaign_uses={str(k): int(v) for k, v in (item.get("campaign_uses") or {}).items()},
            last_order_on=kept.get("last_order_on"),
            orders_count=int(kept.get("orders_count", 0)),
            referral=item.get("referral"),
            provisional=bool(item.get("provisional", False)),
            merged_into=item.get("merged_into"),
            lots=profile_lots.unpack(item.get(profile_lots.ATTRIBUTE)),
            holdout=item.get("grp") == "h",
            challenges={str(k): Progress.of(unpacked(v)) for k, v in (item.get("ch") or {}).items()},
            badges={str(k): _pair(unpacked(v)) for k, v in (item.get("bd") or {}).items()},
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
