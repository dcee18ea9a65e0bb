"""The expiry job reads what is due, whatever the table size: 10,000 members (SCALE_TEST_MEMBERS=50000
for the bench's size; `make bench` compares 5,000 and 50,000), 500 of them with points ending on the day;
a fifth of all members hold points ending on other days (some before it, already expired), so the
expiry index is far from empty.

Runs on DynamoDB Local only (moto would take minutes to seed, and only the real engine's Query cost
matters here). The table is seeded with BatchWriteItem directly, in parallel, with items built by the
store's own records, so they are shaped exactly like the ones enrollment and accrual write.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from typing import Any

import boto3
import pytest
from botocore.config import Config

from harness.counting import DynamoCalls
from loyalty.domain.balances import Balances
from loyalty.domain.tiers import Qualifying
from loyalty.services import activity, members
from loyalty.store import keys, lots
from loyalty.store.client import table_name, to_item
from loyalty.store.member_record import DueDays, MemberRecord
from tests.service.jobs.conftest import profile, run

pytestmark = pytest.mark.parametrize("aws", ["dynamodb-local"], indirect=True)

MEMBERS = int(os.environ.get("SCALE_TEST_MEMBERS") or 10_000)  # a multiple of 10,000
DUE = 500
DAY = date(2027, 11, 22)  # points that end on this day expire on the run of 2027-11-23
LOT_HOLDERS = MEMBERS // 5  # members holding points (the due ones among them); the rest hold nothing yet


def _member(index: int) -> list[dict[str, Any]]:
    """A member as enrollment and accrual leave it, with its lot if it holds points (the member indexes
    other than expiry play no part here, and their index writes would double the seeding time)."""
    member_id = f"m-{index:05d}"
    holder = index % (MEMBERS // LOT_HOLDERS) == 0
    due = index % (MEMBERS // DUE) == 0  # every 20th member (at 10,000): 500 in all, all holders
    if due:
        expires_on = DAY
    elif index % 7 == 0:
        expires_on = DAY - timedelta(days=1 + index % 3)  # ended before, already expired: nothing held
    else:
        expires_on = DAY + timedelta(days=1 + index % 360)
    points = 100 + index % 50 if holder and (due or expires_on > DAY) else 0
    earned_at = f"{(expires_on - timedelta(days=365)).isoformat()}T15:00:00.000Z"
    # Waiting on the day of its soonest points; with none, on a lower bound well after the run's day.
    waits_on = expires_on if points else DAY + timedelta(days=300)
    record = MemberRecord(
        member_id=member_id,
        email=f"{member_id}@example.com",
        name=None,
        locale=None,
        status="active",
        enrolled_at=earned_at,
        last_activity_at=earned_at,
        marketing_opt_in=index % 2 == 0,
        referral_code=f"R{index:05d}",
        referred_by=None,
        tier="Bronze",
        tier_since=None,
        balances=Balances(available=points, lifetime_earned=points),
        qualifying=Qualifying(7),
        due=DueDays(expiry=waits_on),
        version=1,
    )
    if not points:
        return [record.to_item()]
    day = expires_on.isoformat()
    return [record.to_item(), {**keys.lot(member_id, lots.month_of(day)), lots.attribute(day): points}]


def seed() -> None:
    # A client of its own without parameter validation: botocore's per-call checks cost more than the
    # writes themselves here.
    client = boto3.client("dynamodb", config=Config(parameter_validation=False, max_pool_connections=16))
    table = table_name()

    def write(chunk: list[dict[str, Any]]) -> None:
        requests: list[Any] = [{"PutRequest": {"Item": item}} for item in chunk]
        while requests:
            answer = client.batch_write_item(RequestItems={table: requests})
            requests = list(answer.get("UnprocessedItems", {}).get(table, []))

    items = [to_item(item) for index in range(MEMBERS) for item in _member(index)]
    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(write, [items[start : start + 25] for start in range(0, len(items), 25)]))


class HonestCount(DynamoCalls):
    """DynamoCalls counts Query/Scan ``Items`` and GetItem's ``Item``; this also counts what a
    BatchGetItem returns and the attributes a write hands back, so the figure is every item read."""

    def __init__(self) -> None:
        super().__init__()
        self.other_items = 0

    def _after(self, parsed: dict[str, Any], model: Any, **kwargs: Any) -> None:
        super()._after(parsed, model, **kwargs)
        self.other_items += sum(len(found) for found in (parsed.get("Responses") or {}).values())
        self.other_items += 1 if parsed.get("Attributes") else 0


def test_the_expiry_job_reads_what_is_due_not_the_table(jobs: str) -> None:
    started = time.monotonic()
    seed()
    seeded = time.monotonic() - started
    due_balance = profile("m-00100")["available"]

    with HonestCount() as calls:
        counts = run("expire", "2027-11-23 00:15")
    assert counts["days_expired"] == DUE and counts["failures"] == 0
    read = calls.items_returned + calls.other_items
    print(  # the figures for the report (pytest -s)
        f"\nseeded {MEMBERS + LOT_HOLDERS} items in {seeded:.1f}s; expiry: {DUE} due members, {read} items read "
        f"({calls.operations.count('Query')} queries), {calls.operations.count('TransactWriteItems')} transactions"
    )
    # Per due member: its index entry (keys only), then one Query that returns its profile and the lot
    # that expires; and the program. Nothing of the other members, nor of the expired ones.
    assert counts["items_read"] == DUE and counts["members_read"] == DUE
    assert read <= DUE * 3 + 1
    assert calls.operations.count("Query") <= DUE + 16 + 1 and calls.operations.count("GetItem") <= 1
    assert profile("m-00000")["available"] == 0 and members.get("m-00005").points.available > 0
    expired = [entry for entry in activity.page("m-00100", 10, None).items if entry.kind == "expire"]
    assert [(entry.points, entry.balance_after) for entry in expired] == [(-due_balance, 0)]

    with HonestCount() as again:
        assert run("expire", "2027-11-23 00:15")["items_read"] == 0
    assert again.items_returned + again.other_items <= 1
