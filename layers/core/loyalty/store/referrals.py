"""Referrals: the referee's record, the referrer's counters, and the writes that move them.

A referee's record (``REFEREE#<member>``) is written by the accrual of its first order that may
complete the referral: ``candidate`` while that order's points are pending, or ``completed`` at once
when there are none. While it has work left it sits in the maturing index (GSI2, the referee's shard,
on the day the order matures or the day it completed), so the maturing job finds it with the orders it
reads anyway: no scan, no index more. ``candidate`` -> ``completed`` (the order matured and qualifies)
or ``dropped`` (it was refunded); ``completed`` -> ``credited`` once both members are, and the record
leaves the index. Every move is conditioned on the state (and version) it was read in.

The referrer's counters sit on its referral code's item (``REFERRAL#<code>``, which enrollment already
reaches by the code): ``referred`` (referees enrolled with it) and ``completed`` (referrals completed).
``completed`` is advanced only on the condition that it still holds the value read, in the same
transaction as the referrer's entries, so under any concurrency each count, and so each milestone and
the cap, is reached by exactly one referral.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Literal

from loyalty.store import items, keys
from loyalty.store.client import Item, from_item
from loyalty.store.entries import EntryFields
from loyalty.store.transactions import TxItem
from loyalty.store.unit_of_work import EntryPut

State = Literal["candidate", "completed", "dropped", "credited"]
RECORD_ROLE = "referral"
COUNTER_ROLE = "referral_counter"


@dataclass(frozen=True)
class ReferralRecord:
    referee_id: str
    code: str  # the referrer's referral code
    state: State
    order_id: str  # the order that may complete it (or did)
    day: str  # its day in the maturing index: when the order matures, or when it completed
    version: int = 0
    completed_at: str | None = None
    referee_done: bool = False  # the referee's part is settled (credited, or it was erased)
    referrer_id: str | None = None

    def to_item(self) -> Item:
        item: Item = {
            **keys.referee(self.referee_id),
            **items.attributes(self, but=("referee_id", "state", "referee_done")),
            "member_id": self.referee_id,
            # ``status``: the maturing index projects it (the orders' status), so a job reads the state
            # from the index entry without a read.
            "status": self.state,
            "referee_done": self.referee_done or None,
        }
        if self.state in ("candidate", "completed"):
            item.update(keys.due("MATURE", self.referee_id, self.day))
        return items.present(item)

    @classmethod
    def from_item(cls, item: Item) -> ReferralRecord:
        return items.build(cls, item, referee_id=str(item["member_id"]), state=item["status"])


def is_referral(key: dict[str, str]) -> bool:
    """Whether a maturing index entry is a referral record (the others are orders)."""
    return key["SK"] == keys.referee("")["SK"] and key["PK"].startswith(keys.referee("")["PK"])


def completed_in(stream_record: dict[str, Any]) -> str | None:
    """The referee whose record a table stream record (as Lambda hands it) shows ``completed``: written
    so by an accrual without pending days, or moved there by the maturing job; None for any other
    record. The image only says where to look: what is done with it reads the record again."""
    change = stream_record.get("dynamodb") or {}
    if stream_record.get("eventName") not in ("INSERT", "MODIFY"):
        return None
    new = change.get("NewImage") or {}
    if not is_referral({name: str((change.get("Keys") or {}).get(name, {}).get("S", "")) for name in ("PK", "SK")}):
        return None
    if (new.get("status") or {}).get("S") != "completed":
        return None
    return str(from_item(new)["member_id"])


def get(referee_id: str) -> ReferralRecord | None:
    return items.get(keys.referee(referee_id), ReferralRecord.from_item)


def started(record: ReferralRecord) -> TxItem:
    """Transaction item of the accrual: the referee's record, new (or after a dropped one). The member's
    ``referral`` state, read and version-checked in the same transaction, already says none is open."""
    condition = "attribute_not_exists(PK) OR #status = :dropped"
    marks = {"#status": "status", ":dropped": "dropped"}
    return items.put_tx(RECORD_ROLE, record.to_item(), condition, marks)


def moved(before: ReferralRecord, after: ReferralRecord, *, role: str = RECORD_ROLE) -> TxItem:
    """Transaction item: the record rewritten as ``after``, only if it is still as it was read."""
    item = replace(after, version=before.version + 1).to_item()
    condition = "#status = :state AND version = :version"
    marks = {"#status": "status", ":state": before.state, ":version": before.version}
    return items.put_tx(role, item, condition, marks)


def order_unchanged(order_id: str, version: int) -> TxItem:
    """Transaction item: the order is still as the completion read it (no refund since)."""
    return items.check_tx("order", keys.order(order_id), "version = :version", {":version": version})


@dataclass(frozen=True)
class CodeStats:
    """A referral code's owner and counters."""

    code: str
    member_id: str
    referred: int
    completed: int


def code_stats(code: str) -> CodeStats | None:
    def stats(item: Item) -> CodeStats:
        return CodeStats(code, str(item["member_id"]), int(item.get("referred", 0)), int(item.get("completed", 0)))

    return items.get(keys.referral(code), stats)


def count_completed(code: str, seen: int) -> TxItem:
    """Transaction item: the code's ``completed`` goes from ``seen`` (as read) to ``seen + 1``. The
    condition is the exact value: two referrals finishing at once cannot both be the n-th."""
    if seen == 0:
        condition = "attribute_exists(PK) AND (attribute_not_exists(completed) OR completed = :seen)"
    else:
        condition = "completed = :seen"
    values = {":one": 1, ":seen": seen}
    return items.update_tx(COUNTER_ROLE, keys.referral(code), "ADD completed :one", condition, values, old=True)


@dataclass(frozen=True)
class ReferralEntry:
    """A ``referral`` entry (either member's) or a milestone ``bonus`` entry, keyed by what it rewards."""

    referee_id: str
    role: Literal["referee", "referrer", "milestone"]
    entry: EntryFields
    milestone: int | None = None

    def to_item(self) -> Item:
        item: Item = {
            **keys.referral_entry(self.entry.entry_id),
            **self.entry.to_item(),
            "referee_id": self.referee_id,
            "reason": "referral" if self.role != "milestone" else "referral_milestone",
        }
        if self.milestone is not None:
            item["milestone"] = self.milestone
        return item

    @classmethod
    def from_item(cls, item: Item) -> ReferralEntry:
        entry = EntryFields.from_item(item)
        milestone = int(item["milestone"]) if "milestone" in item else None
        role: Literal["referee", "referrer", "milestone"] = (
            "milestone" if milestone is not None else "referee" if entry.member_id == item["referee_id"] else "referrer"
        )
        return cls(str(item["referee_id"]), role, entry, milestone)


def entry_put(entry: ReferralEntry) -> EntryPut[ReferralEntry]:
    return EntryPut(entry.to_item(), ReferralEntry.from_item)
