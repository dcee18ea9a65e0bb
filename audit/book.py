"""The table's items sorted by what they are (``Book``), read once from the Scan, and the small readers
every check shares."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from loyalty.store import keys, lots, profile_lots
from loyalty.store.client import Item

MEMBER_PREFIX = keys.member_partition("")
ACTIVITY_PREFIX = keys.activity_partition("")
ORDER_PREFIX = keys.order("")["PK"]
REFUND_PREFIX = keys.refund("")["PK"]
REDEMPTION_PREFIX = keys.redemption("")["PK"]
EMAIL_PREFIX = keys.email("")["PK"]
LOT_PREFIX = keys.LOT_PREFIX
COUNTER_PREFIX = keys.redeemed_count("", "")["SK"]
REFEREE_PREFIX = keys.referee("")["PK"]
CODE_PREFIX = keys.referral("")["PK"]
REFERRAL_ENTRY_PREFIX = keys.referral_entry("")["PK"]

# Entries whose change to available is their own points.
AVAILABLE_ONLY_KINDS = frozenset({"redeem", "redemption_cancel", "adjust", "expire", "bonus", "import", "referral"})
# Entries whose points count in lifetime_earned: earn adds the order's points, refund takes back what it
# reversed, import brings the points a member earned on the platform it came from.
EARNING_KINDS = ("earn", "refund", "import")
# Kinds whose effect on lifetime_earned is known: the earning kinds, merges (their ``moved_lifetime``);
# the others leave it alone.
KNOWN_KINDS = AVAILABLE_ONLY_KINDS | set(EARNING_KINDS) | {"merge"}
REDEMPTION_STATUSES = frozenset({"issued", "used", "cancelled"})
# Orderings tried for one millisecond's entries before the chain is left undecided for it.


def int_of(item: Item, name: str) -> int:
    value = item.get(name)
    return int(value) if value is not None else 0


def member_subject(member_id: str) -> str:
    return f"member {member_id}"


@dataclass
class Book:
    """The table's items, sorted by what they are."""

    profiles: dict[str, Item] = field(default_factory=dict)
    lots: dict[str, list[Item]] = field(default_factory=lambda: defaultdict(list))
    counters: dict[str, list[Item]] = field(default_factory=lambda: defaultdict(list))
    entries: dict[str, list[Item]] = field(default_factory=lambda: defaultdict(list))
    orders: dict[str, Item] = field(default_factory=dict)
    refunds: list[Item] = field(default_factory=list)
    redemptions: dict[str, Item] = field(default_factory=dict)
    rewards: dict[str, Item] = field(default_factory=dict)
    emails: dict[str, Item] = field(default_factory=dict)
    accounting_days: list[Item] = field(default_factory=list)
    referees: dict[str, Item] = field(default_factory=dict)  # referee -> its referral record
    codes: dict[str, Item] = field(default_factory=dict)  # referral code -> its item (owner, counters)
    referral_entries: list[Item] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.reversed_by_order: dict[str, int] = defaultdict(int)

    def merged_into_member(self, member_id: str) -> list[str]:
        """The members taken over by ``member_id`` (their pending orders mature into it)."""
        return [mid for mid, profile in self.profiles.items() if profile.get("merged_into") == member_id]

    def owns_order_of(self, order_member: object, member_id: str) -> bool:
        merged = self.profiles.get(str(order_member), {})
        return order_member == member_id or merged.get("merged_into") == member_id

    def add(self, item: Item) -> None:
        pk, sk = str(item.get("PK", "")), str(item.get("SK", ""))
        gsi1pk = item.get("GSI1PK")
        if isinstance(gsi1pk, str) and gsi1pk.startswith(ACTIVITY_PREFIX):
            self.entries[gsi1pk.removeprefix(ACTIVITY_PREFIX)].append(item)
        if pk.startswith(MEMBER_PREFIX):
            member_id = pk.removeprefix(MEMBER_PREFIX)
            if sk == keys.PROFILE:
                self.profiles[member_id] = item
                # Lots the member item holds itself are checked like lot items (loyalty.store.profile_lots).
                held = profile_lots.unpack(item.get(profile_lots.ATTRIBUTE))
                self.lots[member_id] += profile_lots.as_lot_items(member_id, held)
            elif sk.startswith(LOT_PREFIX):
                self.lots[member_id].append(item)
            elif sk.startswith(COUNTER_PREFIX):
                self.counters[member_id].append(item)
        elif pk.startswith(ORDER_PREFIX):
            self.orders[pk.removeprefix(ORDER_PREFIX)] = item
        elif pk.startswith(REFUND_PREFIX):
            self.refunds.append(item)
            self.reversed_by_order[str(item.get("order_id"))] += int_of(item, "points_reversed")
        elif pk.startswith(REDEMPTION_PREFIX):
            self.redemptions[pk.removeprefix(REDEMPTION_PREFIX)] = item
        elif pk == keys.CATALOG and sk.startswith(keys.REWARD_PREFIX):
            self.rewards[sk.removeprefix(keys.REWARD_PREFIX)] = item
        elif pk.startswith(EMAIL_PREFIX):
            self.emails[pk.removeprefix(EMAIL_PREFIX)] = item
        elif pk.startswith(keys.ACCOUNTING_PREFIX) and sk.startswith(keys.ACCOUNTING_DAY_PREFIX):
            self.accounting_days.append(item)
        else:
            self._add_referral(pk, sk, item)

    def _add_referral(self, pk: str, sk: str, item: Item) -> None:
        if pk.startswith(REFEREE_PREFIX) and sk == keys.referee("")["SK"]:
            self.referees[pk.removeprefix(REFEREE_PREFIX)] = item
        elif pk.startswith(CODE_PREFIX) and sk == keys.referral("")["SK"]:
            self.codes[pk.removeprefix(CODE_PREFIX)] = item
        elif pk.startswith(REFERRAL_ENTRY_PREFIX):
            self.referral_entries.append(item)


def lots_attribute(name: str) -> bool:
    return len(name) == 3 and name[0] == "d" and name[1:].isdigit()


def lot_days(lot_items: list[Item]) -> dict[str, int]:
    held: dict[str, int] = {}
    for item in lot_items:
        held.update(lots.days_of(item))
    return held
