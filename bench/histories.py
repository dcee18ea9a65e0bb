"""Units by AWS's rules for members with and without a history, built through the real API.

Three members on the storefront's program (harness.programs), on the main table:

- a new member: enrolled, one accrual, one redemption, on day 0;
- a daily shopper: enrolled on day 0, one order a day for 365 days, measured on day 365;
- a member with 1,000 orders spread over the same 365 days, measured on day 365.

Histories are built by time travel: the layer's clock (loyalty.adapters.clock) is set to each moment
and each order is placed then, through the API as a storefront sends it. Every daily job in the
template (its AWS::Scheduler::Schedule resources) runs every simulated day, at its cron time, through
its handler with the event its schedule sends, and the jobs worker takes whatever a run queued, so the
items carry what a year of nightly runs leaves on them (maturing, expiry, tier reviews, reminders).
The two histories share the days, so the jobs run once a day for both.

Each measured request is metered with bench.aws_meter.AwsMeter: units by AWS's rules, per index,
beside DynamoDB Local's own count, and the round trips. Just before each measured request the same
request is sent for a scratch member at the same moment, as the operations bench's warm-up pass does:
the functions' caches (program, reward, API key) are warm, as in a warm Lambda.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as day_time
from functools import partial
from typing import Any

import boto3

from bench import aws_units, jobs, seeding
from bench.aws_meter import AwsMeter, schema_of
from bench.aws_units import Schema
from bench.books import main_pump
from bench.scenario import LIMITED_REWARD_ID, BenchError, Storefront
from bench.stack import Stack, progress, quiet_stdout

# Day 0. A fixed date, so every run has the same calendar (month lengths, no 29 February in the year).
START = date(2027, 1, 4)
DAYS = 365
BUSY_ORDERS = 1_000
SHOPPER_HOUR = 12  # the daily shopper orders at noon, local time
BUSY_HOURS = (11, 14, 17)  # the busy member's orders of a day: 2 or 3 of these
MEASURE_HOUR = 13  # day 365's measurements, after the scheduled jobs and the morning emails
OPERATIONS = ("enroll", "accrue", "redeem", "redeem_limited", "member_read", "activity_page")
MEASURED_AFTER_HISTORY = ("accrue", "redeem", "redeem_limited", "member_read", "activity_page")

NEW, DAILY, BUSY = "new_member", "daily_365", "orders_1000"


def labels() -> dict[str, str]:
    return {
        NEW: "new member, day 0",
        DAILY: f"daily shopper, day {DAYS}",
        BUSY: f"{BUSY_ORDERS:,} orders in {DAYS} days",
    }


# --- the member profile: the one place that knows which item it is --------------------------------


def member_partition(client: Any, table: str, member_id: str) -> list[dict[str, Any]]:
    """Every item of the member's partition (today PK = MEMBER#<id>), consistently, all pages."""
    return seeding.partition(table, f"MEMBER#{member_id}", client)


def member_profile(partition: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The member item among its partition's items: SK PROFILE today. If the storage design renames it,
    change this one test (the figures of the old design were taken with SK = PROFILE)."""
    return next((item for item in partition if item.get("SK", {}).get("S") == "PROFILE"), None)


def member_item_figures(client: Any, table: str, member_id: str) -> dict[str, Any]:
    partition = member_partition(client, table, member_id)
    profile = member_profile(partition)
    return {
        "member_item_bytes": aws_units.item_size(profile) if profile else None,
        "partition_items": len(partition),
        "partition_bytes": sum(aws_units.item_size(item) for item in partition),
    }


# --- the template's daily jobs --------------------------------------------------------------------


@dataclass(frozen=True)
class DailyJob:
    function: str
    at: day_time  # local time of day in the program's timezone
    input: str  # the schedule's Input, with EventBridge Scheduler's placeholder
    day_of_month: int | None = None  # a monthly schedule's day (the month-end close); None: every day

    def runs_on(self, day: date) -> bool:
        return self.day_of_month is None or day.day == self.day_of_month


_CRON = re.compile(r"cron\((\d+) (\d+) (\*|\d+) \* \? \*\)")


def daily_jobs(stack: Stack) -> list[DailyJob]:
    """Every schedule of the template that runs a function once a day or once a month on a given day,
    in time-of-day order."""
    found = []
    for logical_id, resource in stack.template.resources("AWS::Scheduler::Schedule").items():
        props = resource.get("Properties", {})
        if str(props.get("State", "ENABLED")) != "ENABLED":
            continue
        cron = _CRON.fullmatch(str(props.get("ScheduleExpression", "")))
        if cron is None:
            raise ValueError(f"{logical_id}: not a daily cron the bench can replay: {props.get('ScheduleExpression')}")
        target = props["Target"]["Arn"]
        function = target["Fn::GetAtt"][0] if isinstance(target["Fn::GetAtt"], list) else target["Fn::GetAtt"]
        function = str(function).split(".")[0]
        monthly = None if cron[3] == "*" else int(cron[3])
        at = day_time(int(cron[2]), int(cron[1]))
        found.append(DailyJob(function, at, str(props["Target"].get("Input", "{}")), monthly))
    return sorted(found, key=lambda job: job.at)


# --- time travel ----------------------------------------------------------------------------------


@contextmanager
def clock_at(moment: datetime) -> Iterator[None]:
    from loyalty.adapters import clock

    clock.set_clock(lambda: moment)
    try:
        yield
    finally:
        clock.set_clock(None)


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def busy_days() -> list[int]:
    """The day of each of the busy member's orders, spread evenly over the year (2 or 3 a day)."""
    return [index * DAYS // BUSY_ORDERS for index in range(BUSY_ORDERS)]


def job_counts(function: str, answer: Any) -> dict[str, dict[str, int]]:
    """A job handler's answer as {job: counts}: some answer their one job's counts, some {job: counts}."""
    if not isinstance(answer, dict):
        return {}
    if all(isinstance(value, int) for value in answer.values()):
        return {function: dict(answer)}
    return {name: {k: int(v) for k, v in part.items()} for name, part in answer.items() if isinstance(part, dict)}


@dataclass
class History:
    stack: Stack
    shop: Storefront
    schema: Schema
    run_id: str
    zone: Any
    table: str
    side: Any = field(default_factory=lambda: boto3.client("dynamodb"))
    worker: str | None = None
    jobs_run: int = 0
    orders: int = 0
    job_counts: dict[str, Counter[str]] = field(default_factory=dict)  # what the year of runs did, per job

    def member(self, name: str) -> str:
        return f"hist-{self.run_id}-{name.replace('_', '-')}"

    def moment(self, day: int, at: day_time) -> datetime:
        return datetime.combine(START + timedelta(days=day), at, tzinfo=self.zone)

    def run_job(self, job: DailyJob, moment: datetime) -> None:
        from local import runtime

        # EventBridge Scheduler's <aws.scheduler.scheduled-time>: the scheduled time, in UTC.
        event = json.loads(job.input.replace("<aws.scheduler.scheduled-time>", rfc3339(moment)))
        with clock_at(moment):
            answer = runtime.invoke(self.stack.template, job.function, event)
            parts = job_counts(job.function, answer)
            # When a run queued nothing, the queue holds nothing of it: no need to look.
            if not parts or any(counts.get("shards_queued") for counts in parts.values()):
                jobs.work_queue(self.stack, self.worker)
        self.jobs_run += 1
        for name, counts in parts.items():
            self.job_counts.setdefault(name, Counter()).update(counts)
        # Every item a run is due to settle must be settled: a failure would make the figures meaningless.
        if failures := sum(counts.get("failures", 0) for counts in parts.values()):
            raise BenchError(f"{job.function} failed on {failures} items on {moment:%Y-%m-%d}")

    def order(self, member_id: str, moment: datetime) -> None:
        self.orders += 1
        with clock_at(moment):
            self.shop.accrue(f"{member_id}-order-{self.orders}", member_id, rfc3339(moment))

    def measure(self, moment: datetime, call: Callable[[], Any], warm_up: Callable[[], Any]) -> dict[str, Any]:
        with clock_at(moment), quiet_stdout():
            warm_up()
            with AwsMeter(self.schema, self.side) as meter:
                call()
        return meter.summary()


def _steps(shop: Storefront, member_id: str, tag: str, when: datetime) -> dict[str, Callable[[], Any]]:
    return {
        "enroll": lambda: shop.enroll(member_id),
        # Placed at the moment measured, as a storefront stamps it, not at the wall clock's time.
        "accrue": lambda: shop.accrue(f"{member_id}-{tag}", member_id, rfc3339(when)),
        "redeem": lambda: shop.redeem(member_id, f"{member_id}-{tag}-redemption"),
        "redeem_limited": lambda: shop.redeem(member_id, f"{member_id}-{tag}-limited", LIMITED_REWARD_ID),
        "member_read": lambda: shop.member(member_id),
        "activity_page": lambda: shop.activity(member_id),
    }


def _measure_steps(
    history: History, member_id: str, moment: datetime, names: tuple[str, ...]
) -> dict[str, dict[str, Any]]:
    """Each step for ``member_id``, two minutes apart, each just after the same step for a scratch member."""
    measured = {}
    for offset, name in enumerate(names):
        when = moment + timedelta(minutes=2 * offset)
        tag = f"{when:%Y%m%d%H%M}"
        scratch = history.member(f"scratch-{tag}") if name == "enroll" else history.member("scratch")
        warm = _steps(history.shop, scratch, f"warm-{tag}", when)[name]
        measured[name] = history.measure(when, _steps(history.shop, member_id, tag, when)[name], warm)
    return measured


Event = tuple[day_time, Callable[[datetime], None]]


def _live_day(history: History, day: int, events: list[Event]) -> None:
    """One simulated day: its events in time order, each at its moment. Day DAYS stops at MEASURE_HOUR.
    The table's stream is drained first: whatever keeps books from it has taken in the days before, as
    it has in a day's time on AWS (the month-end close waits for that)."""
    with quiet_stdout():
        main_pump(history.stack).drain()
        for at, action in sorted(events, key=lambda event: event[0]):
            if day == DAYS and at >= day_time(MEASURE_HOUR):
                continue  # the rest of the last day comes after the measurements
            action(history.moment(day, at))


def verify_sender(sender: str) -> None:
    """The program's sender as a verified SES identity (on moto's server), as a deployment would have it:
    otherwise SES refuses every reminder, the job releases its claim on the profile, and the year's
    history would lack the reminders that a real year leaves on the member item."""
    from botocore.exceptions import ClientError

    try:
        boto3.client("sesv2").create_email_identity(EmailIdentity=sender)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "AlreadyExistsException":
            raise


def run(stack: Stack, shop: Storefront) -> dict[str, Any]:
    from loyalty.services import program

    started = time.monotonic()
    verify_sender(program.current().emails.sender)
    history = History(
        stack=stack,
        shop=shop,
        schema=schema_of(stack.template),
        run_id=f"{int(time.time()) % 100_000:05d}",
        zone=program.current().zone,
        table=stack.physical["LoyaltyTable"],
    )
    history.worker = jobs.queue_worker(stack)
    scheduled = daily_jobs(stack)
    members = {name: history.member(name) for name in ("scratch", NEW, DAILY, BUSY)}
    results: dict[str, Any] = {name: {"label": label} for name, label in labels().items()}

    def set_up(moment: datetime) -> None:
        with clock_at(moment):  # the scratch member's seed order is placed then, not at the wall clock's time
            for name in ("scratch", DAILY, BUSY):
                shop.enroll(members[name])
            shop.accrue(f"{members['scratch']}-seed", members["scratch"], rfc3339(moment))

    def measure_new(moment: datetime) -> None:
        results[NEW]["operations"] = _measure_steps(history, members[NEW], moment, OPERATIONS)
        results[NEW].update(member_item_figures(history.side, history.table, members[NEW]))

    def shop_at(member_id: str) -> Callable[[datetime], None]:
        return lambda moment: history.order(member_id, moment)

    busy_on: dict[int, int] = {}
    for day in busy_days():
        busy_on[day] = busy_on.get(day, 0) + 1
    progress(f"histories: a new member on {START}, then {DAYS} days of orders and {len(scheduled)} daily jobs")
    for day in range(DAYS + 1):
        today = START + timedelta(days=day)
        events: list[Event] = [(job.at, partial(history.run_job, job)) for job in scheduled if job.runs_on(today)]
        if day == 0:
            events += [(day_time(8), set_up), (day_time(9), measure_new)]
        if day < DAYS:
            events.append((day_time(SHOPPER_HOUR), shop_at(members[DAILY])))
            events += [(day_time(hour), shop_at(members[BUSY])) for hour in BUSY_HOURS[: busy_on.get(day, 0)]]
        _live_day(history, day, events)
        if day and day % 73 == 0:
            progress(f"histories: day {day} of {DAYS} ({history.orders} orders, {history.jobs_run} job runs)")

    measure_at = history.moment(DAYS, day_time(MEASURE_HOUR))
    with quiet_stdout():
        main_pump(stack).drain()  # never during a measured request: it would meter the consumer's calls
    for offset, name in enumerate((DAILY, BUSY)):
        member_id = members[name]
        results[name].update(member_item_figures(history.side, history.table, member_id))
        moment = measure_at + timedelta(minutes=30 * offset)
        results[name]["operations"] = _measure_steps(history, member_id, moment, MEASURED_AFTER_HISTORY)
        after = member_item_figures(history.side, history.table, member_id)
        results[name]["member_item_bytes_after_measured"] = after["member_item_bytes"]
    return {
        "method": (
            f"through the API, the layer's clock moved day by day from {START}; every daily (or monthly) "
            "schedule of the template run on its days at its time through its handler "
            f"({', '.join(job.function for job in scheduled)}"
            ", each reading everything due up to its day); each request metered by AWS's rules "
            "(bench/aws_units.py) beside DynamoDB Local's INDEXES count"
        ),
        "start": START.isoformat(),
        "days": DAYS,
        "orders": history.orders,
        "job_runs": history.jobs_run,
        "job_counts": {name: dict(sorted(counts.items())) for name, counts in sorted(history.job_counts.items())},
        "seconds": round(time.monotonic() - started, 1),
        "scenarios": results,
    }


def main(arguments: list[str]) -> int:
    """``python -m bench histories [days] [orders]``: this part of the bench alone, on a fresh local
    stack, printing what it measured as JSON (shorter histories to try a change quickly)."""
    global DAYS, BUSY_ORDERS
    from bench.stack import local_stack, template

    if arguments:
        DAYS = int(arguments[0])
    if len(arguments) > 1:
        BUSY_ORDERS = int(arguments[1])
    loaded = template()
    with local_stack(loaded) as stack:
        shop = Storefront.open(stack)
        measured = run(stack, shop)
    for scenario in measured["scenarios"].values():
        for operation in scenario.get("operations", {}).values():
            operation.pop("requests", None)
    print(json.dumps(measured, indent=2))
    return 0
