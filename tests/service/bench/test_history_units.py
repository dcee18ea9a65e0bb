"""Issue 21's unit targets, by AWS's rules (bench.aws_meter), at every history the bench measures: a new
member, a daily shopper of a year, a member with 1,000 orders in that year; on a program that expires by
day and on one that expires by month (``expiry_granularity: month``).

Targets, with the accounting day item (``ACCT#<shard>``) left out of the count: it leaves the member's
transaction for the table's stream (issue 21, part 1), so its 2 write units are subtracted here, item by
item, wherever a transaction still carries it. Accrual <= 7 write units and 1 read unit; redemption of an
unlimited reward <= 9; with month expiry, accrual <= 5; the accrual right after the redemption too (it is
billed on the larger of the member item before and after it, so a redemption's outbox must not push the
item over 1 KB either). The member item, as written (it carries no books: they ride on the ledger entry to
the stream), stays under 1 KB at every history, before and after each measured write. Enrollment (the
bench's: marketing opt-in, no signup bonus) <= 10 write units.

The histories are built in the test process, through the services, with the clock moved order by order.
The daily jobs run at their schedules' times with the program's sender verified in SES: the reminder
jobs' emails go out, so the member items carry the email bookkeeping a year of nightly runs leaves on them
(the largest the item gets; the test checks it is there). bench/histories.py runs them every day; here
they run every week for most of the year and every day in the last fortnight: each run takes in all
that fell due since the one before (as after an outage), so the items end the same, in a third of the
index Queries (the test's time is mostly theirs).
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from datetime import time as day_time
from typing import Any
from zoneinfo import ZoneInfo

import boto3
import pytest

from bench import aws_units
from bench.aws_meter import AwsMeter, schema_of
from bench.scenario import REWARD, REWARD_ID
from local.template import Template
from loyalty.adapters import clock
from loyalty.models.member import EnrollRequest
from loyalty.models.order import OrderRequest
from loyalty.services import accrual, members, rewards
from loyalty.services import program as programs
from loyalty.services.jobs import catalog, runner
from loyalty.store.client import dynamodb, table_name
from tests.rewarding import redeem, reward
from tests.service.jobs.conftest import configure

NEW_YORK = ZoneInfo("America/New_York")
START = date(2027, 1, 4)  # the bench's day 0 (bench/histories.py)
DAYS = 365
BUSY_ORDERS = 1_000
# The template's schedules (AWS::Scheduler::Schedule): job, local hour and minute; every day.
JOBS = (
    ("mature", 0, 5),
    ("expire", 0, 15),
    ("tier_review", 0, 30),
    ("remind_expiring", 10, 0),
    ("remind_dormant", 10, 0),
)
SENDER = "loyalty@example.com"  # the program's (harness.programs)
DAILY_FROM = DAYS - 14  # the jobs run weekly before this day, daily from it
# What a year of reminder runs leaves on a shopper's item (the expiry reminder's bookkeeping).
EMAIL_BOOKKEEPING = ("last_email_on", "last_email_kind", "reminded_until")
TARGETS = {"day": {"accrue": 7, "redeem": 9}, "month": {"accrue": 5, "redeem": 9}}


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(START + timedelta(days=day), day_time(hour, minute), tzinfo=NEW_YORK)


def enroll(member_id: str, moment: datetime) -> None:
    clock.set_clock(lambda: moment)
    body = {"member_id": member_id, "email": f"{member_id}@example.com", "name": "Grace Hopper"}
    members.enroll(EnrollRequest.model_validate({**body, "marketing_opt_in": True, "locale": "en-US"}))


def order(member_id: str, order_id: str, moment: datetime) -> None:
    """The bench's storefront order (bench.scenario.order_body): two lines and a discount."""
    clock.set_clock(lambda: moment)
    lines = [
        {"sku": "SKU-HEADPHONES", "category": "electronics", "quantity": 1, "unit_price_minor": 19999},
        {"sku": "SKU-SOCKS", "category": "apparel", "quantity": 3, "unit_price_minor": 1299},
    ]
    body = {"order_id": order_id, "member_id": member_id, "currency": "USD", "placed_at": moment.isoformat()}
    accrual.accrue(OrderRequest.model_validate({**body, "lines": lines, "discount_minor": 1000}))


def run_jobs(day: int) -> None:
    for job, hour, minute in JOBS:
        moment = at(day, hour, minute)
        clock.set_clock(lambda moment=moment: moment)
        catalog.run_day(job, moment, runner.Budget(100_000), lambda *_, **__: None)


def member_item(member_id: str) -> dict[str, Any]:
    key = {"PK": {"S": f"MEMBER#{member_id}"}, "SK": {"S": "PROFILE"}}
    item: dict[str, Any] = dynamodb().get_item(TableName=table_name(), Key=key, ConsistentRead=True)["Item"]
    return item


def member_bytes(member_id: str) -> int:
    return aws_units.item_size(member_item(member_id))


def metered(template: Template, call: Any) -> dict[str, float]:
    """Write units without the accounting day item, the accounting item's own, and read units. The
    program's and the reward's caches are warmed first, as in a warm Lambda (and as the bench's warm-up
    request does): their refresh (after some seconds of wall time) would otherwise land in whichever
    request the long history happens to reach it in."""
    programs.current()
    rewards.cached(REWARD_ID)
    with AwsMeter(schema_of(template), boto3.client("dynamodb")) as meter:
        call()
    accounting = sum(item.units.total for bill in meter.calls for item in bill.items if item.key.startswith("ACCT#"))
    return {"wcu": meter.aws_write.total - accounting, "acct": accounting, "rcu": meter.aws_read}


def bench_member(name: str) -> str:
    """The bench's member ids (bench.histories.History.member), with a fixed run id: ids ride in the
    member item (its key, its email, its outbox's events), so its size is the bench's."""
    return f"hist-00000-{name}"


def measure(template: Template, member_id: str, day: int) -> dict[str, Any]:
    """An accrual, a redemption, the accrual after it (as the bench measures them, in that order, with
    its ids), and the member item's size before each and after each."""
    tag = f"{at(day, 13):%Y%m%d%H%M}"
    figures: dict[str, Any] = {"bytes_before": member_bytes(member_id)}
    figures["accrue"] = metered(template, lambda: order(member_id, f"{member_id}-{tag}", at(day, 13)))
    figures["bytes_after_accrue"] = member_bytes(member_id)
    clock.set_clock(lambda: at(day, 13, 2))
    redemption_id = f"{member_id}-{tag}-redemption"
    figures["redeem"] = metered(template, lambda: redeem(member_id, redemption_id, REWARD_ID))
    figures["bytes_after_redeem"] = member_bytes(member_id)
    figures["accrue_next"] = metered(template, lambda: order(member_id, f"{member_id}-{tag}-next", at(day, 13, 4)))
    figures["bytes_after_accrue_next"] = member_bytes(member_id)
    return figures


# On DynamoDB Local: a year of daily runs is 29,000 index Queries, which moto answers by scanning the
# whole table (over 100 ms each once the history holds a few thousand items); the JVM's indexes do not.
@pytest.mark.parametrize("aws", ["dynamodb-local"], indirect=True)
@pytest.mark.parametrize("granularity", ["day", "month"])
def test_units_at_every_history(aws: str, template: Template, granularity: str) -> None:
    clock.set_clock(lambda: at(0, 8))
    boto3.client("sesv2", region_name="us-east-1").create_email_identity(EmailIdentity=SENDER)
    configure(max_order_age_days=365, expiry_granularity=granularity)
    # The bench's unlimited reward (no stock, no per-member limit), under its id.
    reward(REWARD_ID, 150, **{name: value for name, value in REWARD.items() if name != "cost_points"})
    redeem_warm = bench_member("scratch")
    enroll(redeem_warm, at(0, 8))
    order(redeem_warm, "scratch-seed", at(0, 8, 1))
    clock.set_clock(lambda: at(0, 8, 2))
    redeem(redeem_warm, "scratch-r", REWARD_ID)  # the voucher-code secret exists, as on any table in use

    new, daily, busy = bench_member("new-member"), bench_member("daily-365"), bench_member("orders-1000")
    enrollment = metered(template, lambda: enroll(new, at(0, 9)))
    found = {"new": measure(template, new, 0)}
    enroll(daily, at(0, 8))
    enroll(busy, at(0, 8))
    busy_on = Counter(index * DAYS // BUSY_ORDERS for index in range(BUSY_ORDERS))
    placed = orders = 0
    for day in range(DAYS):
        if day >= DAILY_FROM or day % 7 == 0:
            run_jobs(day)
        for hour in sorted((12, *(11, 14, 17)[: busy_on[day]])):
            member_id = daily if hour == 12 else busy
            placed += member_id == busy
            orders += 1
            order(member_id, f"{member_id}-order-{orders}", at(day, hour))
    run_jobs(DAYS)
    # By day, the first points expire within the year and their reminder has gone out; by month they
    # expire at the end of January of the next year, after the day measured, so nothing was sent yet.
    for member_id in (daily, busy) if granularity == "day" else ():
        missing = set(EMAIL_BOOKKEEPING) - set(member_item(member_id))
        assert not missing, (granularity, member_id, missing)
    found["daily"] = measure(template, daily, DAYS)
    found["busy"] = measure(template, busy, DAYS)

    print(f"\n{granularity}: enrollment {enrollment}")
    for name, figures in found.items():
        print(f"{granularity} {name}: {figures}")
    assert placed == BUSY_ORDERS
    assert enrollment["wcu"] <= 10, enrollment
    for name, figures in found.items():
        for accrued in ("accrue", "accrue_next"):
            assert figures[accrued]["wcu"] <= TARGETS[granularity]["accrue"], (name, accrued, figures)
            assert figures[accrued]["rcu"] <= 1, (name, accrued, figures)
        assert figures["redeem"]["wcu"] <= TARGETS[granularity]["redeem"], (name, figures)
        # The redemption reads the months that pay for it, not every month a long history holds.
        assert figures["redeem"]["rcu"] <= found["new"]["redeem"]["rcu"] <= 1, (name, figures)
        # The member item's write is 2 units (under 1 KB) at every history, before and after each write.
        sizes = {label: size for label, size in figures.items() if label.startswith("bytes_")}
        assert max(sizes.values()) < aws_units.KB, (name, sizes)
