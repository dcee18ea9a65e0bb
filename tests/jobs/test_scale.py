"""The expiry job reads what is due, whatever the table size: 50,000 members, 500 of them with a lot
ending on the day; 10,000 others hold lots ending on other days (some in the catch-up days, already
expired and out of their bucket), so the due index is far from empty.

Runs on DynamoDB Local only (moto would take minutes to seed, and only the real engine's Query cost
matters here). The table is seeded with BatchWriteItem directly, in parallel, as items shaped exactly like
the ones accrual writes.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from typing import Any

import boto3
import pytest
from botocore.config import Config

from loyalty.services import activity, members
from loyalty.store import keys
from loyalty.store.client import table_name, to_item
from tests.counting import DynamoCalls
from tests.jobs.conftest import profile, run

pytestmark = pytest.mark.parametrize("aws", ["dynamodb-local"], indirect=True)

MEMBERS = 50_000
DUE = 500
DAY = date(2027, 11, 22)  # the lots that end on this day expire on the run of 2027-11-23


LOT_HOLDERS = 10_000  # members with a lot (the due ones among them); the rest hold nothing yet


def _member(index: int) -> list[dict[str, Any]]:
    """A member as enrollment and accrual leave it, with its one lot if it holds one (without the
    dormancy check key: GSI3 plays no part here, and its index writes would double the seeding time)."""
    member_id = f"m-{index:05d}"
    holder = index % (MEMBERS // LOT_HOLDERS) == 0
    due = index % (MEMBERS // DUE) == 0  # every 100th member: 500 in all, all lot holders
    if due:
        expires_on = DAY
    elif index % 7 == 0:
        expires_on = DAY - timedelta(days=1 + index % 3)  # in the catch-up days, but expired already
    else:
        expires_on = DAY + timedelta(days=1 + index % 360)
    points = 100 + index % 50 if holder and (due or expires_on > DAY) else 0
    earned_at = f"{(expires_on - timedelta(days=365)).isoformat()}T15:00:00.000Z"
    member: dict[str, Any] = {
        **keys.member(member_id),
        "member_id": member_id,
        "email": f"{member_id}@example.com",
        "name": None,
        "status": "active",
        "enrolled_at": earned_at,
        "last_activity_at": earned_at,
        "marketing_opt_in": index % 2 == 0,
        "referral_code": f"R{index:05d}",
        "tier": "Bronze",
        "available": points,
        "pending": 0,
        "lifetime_earned": points,
        "debt": 0,
        "earned_by_day": {},
        "expiry_schedule": {expires_on.isoformat(): points} if points else {},
        "version": 1,
    }
    if points:  # waiting in the bucket of its soonest expiring day (GSI5)
        member.update(keys.expiry_check(expires_on.isoformat(), member_id), expiry_due_on=expires_on.isoformat())
    if not holder:
        return [member]
    lot: dict[str, Any] = {
        **keys.lot(member_id, expires_on.isoformat()),
        "member_id": member_id,
        "expires_on": expires_on.isoformat(),
        "available": points,
        "pending": 0,
    }
    if points:  # an expired lot has left its bucket
        lot.update(keys.due("EXPIRE", expires_on.isoformat(), member_id, f"LOT#{member_id}#{expires_on}"))
    return [member, lot]


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
    assert counts["lots_expired"] == DUE and counts["failures"] == 0
    read = calls.items_returned + calls.other_items
    print(  # the figures for the report (pytest -s)
        f"\nseeded {MEMBERS + LOT_HOLDERS} items in {seeded:.1f}s; expiry: {DUE} due lots, {read} items read "
        f"({calls.operations.count('Query')} queries), {calls.operations.count('TransactWriteItems')} transactions"
    )
    # The due members (one index item each, which carries what expiring needs) and the program: nothing
    # of the 49,500 other members, nor the expired lots, nor a second read per member.
    assert read <= 550
    assert counts["items_read"] == DUE and counts["members_read"] == 0
    assert calls.operations.count("BatchGetItem") == 0 and calls.operations.count("GetItem") <= 1
    assert profile("m-00000")["available"] == 0 and members.get("m-00005").points.available > 0
    expired = [entry for entry in activity.page("m-00100", 10, None).items if entry.kind == "expire"]
    assert [(entry.points, entry.balance_after) for entry in expired] == [(-due_balance, 0)]

    with HonestCount() as again:
        assert run("expire", "2027-11-23 00:15")["items_read"] == 0
    assert again.items_returned + again.other_items <= 1
