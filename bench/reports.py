"""Reports at two program sizes, fifty times apart, with the same activity: the items they read.

Each size gets a table of its own (the template's schema, on DynamoDB Local) holding that many members, cloned
from a member the real services enrolled and credited during this run (bench.jobs.seed), and the same month of
activity through the real services: ``ORDERS`` orders spread over November 2027, ``ADJUSTMENTS`` adjustments.
Then, on 2 December, the month's reports (roll-forward, liability at the month's end, KPIs over the month, the
experiments report of the month, retention since June) run once to freeze what they need (the month-end job's
work) and once measured. A report reads the accounting aggregates (at most 31 days x 16 shards + 1 frozen
month) and the impact aggregates (a few items a month), never members, so both sizes must read the same items.
"""

from __future__ import annotations

import os
import time as timer
from contextlib import nullcontext
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bench.books import Pump, wait_for_orders
from bench.counting import Capacity
from bench.jobs import _templates, seed
from bench.scenario import BenchError
from bench.stack import Stack, large_tables, progress, quiet_stdout

SIZES = (1_000, 50_000)
MONTH = "2027-11"
ORDERS = 300
ADJUSTMENTS = 30
REPORTS = {
    "rollforward": ("rollforward", MONTH),
    "liability": ("liability", date(2027, 11, 30)),
    "kpis": ("kpi_report", (date(2027, 11, 1), date(2027, 11, 30))),
    # Does the program pay? (loyalty.services.impact_reports): the impact aggregates and the books' days.
    "experiments": ("impact_reports.experiments", (MONTH, MONTH)),
    "retention": ("impact_reports.retention", ("2027-06", MONTH)),
}


def _activity() -> None:
    """The month's activity, the same at every size: orders of the first members (clones of a real
    member, so the services see the shape they wrote), then goodwill adjustments."""
    from loyalty.adapters import clock
    from loyalty.models.adjustment import AdjustmentRequest
    from loyalty.models.order import OrderRequest
    from loyalty.services import accrual, adjustments

    start = datetime(2027, 11, 1, 15, tzinfo=UTC)
    for index in range(ORDERS):
        moment = start + timedelta(days=index % 30, seconds=index)
        clock.set_clock(lambda moment=moment: moment)
        order = {
            "order_id": f"bench-report-o{index:04d}",
            "member_id": f"bench-{index % 200:06d}",
            "currency": "USD",
            "placed_at": moment.isoformat(),
            "lines": [{"sku": "SKU", "category": "shoes", "quantity": 1, "unit_price_minor": 1000 + 10 * index}],
        }
        accrual.accrue(OrderRequest.model_validate(order))
    actor = adjustments.Actor(key_id=None, label="bench")
    for index in range(ADJUSTMENTS):
        moment = start + timedelta(days=index, hours=2)
        clock.set_clock(lambda moment=moment: moment)
        request = AdjustmentRequest(adjustment_id=f"bench-report-a{index:03d}", points=5, reason="goodwill")
        adjustments.adjust(f"bench-{index:06d}", request, actor)


def _report(name: str) -> Any:
    from loyalty.services import impact_reports, reports

    function, argument = REPORTS[name]
    module, _, function = function.rpartition(".")
    call = getattr(impact_reports if module else reports, function)
    return call(*argument) if isinstance(argument, tuple) else call(argument)


def _measure(table: str, pump: Pump) -> dict[str, dict[str, Any]]:
    from loyalty import settings
    from loyalty.adapters import clock
    from loyalty.services import program

    saved = os.environ["TABLE_NAME"]
    os.environ["TABLE_NAME"] = table
    settings.reset()
    program.forget()
    measured: dict[str, dict[str, Any]] = {}
    try:
        with quiet_stdout():
            since = timer.monotonic()
            _activity()
            # The reports read the accounting day items: once they count the month's orders, whoever
            # writes them (the stream's consumer, drained here, or the orders' own transactions).
            lag = wait_for_orders(table, (f"{MONTH}-01", f"{MONTH}-30"), ORDERS, since, pump)
            if lag is None:
                raise BenchError(f"the books of {MONTH} did not count its {ORDERS} orders")
            clock.set_clock(lambda: datetime(2027, 12, 2, 15, tzinfo=UTC))
            for name in REPORTS:  # freezes November on the way, as the month-end job would have
                _report(name)
            program.current()  # the program is cached; what is measured is the report's own reads
            for name in REPORTS:
                started = timer.perf_counter()
                with Capacity() as counted:
                    _report(name)
                measured[name] = {
                    "round_trips": counted.round_trips,
                    "items_read": counted.items_read,
                    "rcu": counted.read_units,
                    "ms": round((timer.perf_counter() - started) * 1000, 1),
                }
    finally:
        clock.set_clock(None)
        os.environ["TABLE_NAME"] = saved
        settings.reset()
        program.forget()
    return measured


def run(
    stack: Stack,
    template_member: str,
    seeded: dict[int, str] | None = None,
    templates: tuple[Any, Any, Any] | None = None,
    sizes: tuple[int, ...] | None = None,
    fresh: bool = True,
) -> dict[str, Any]:
    """Each size in a table of its own, in the DynamoDB Local the caller points boto3 at
    (bench.stack.large_tables); ``seeded`` names tables already seeded by bench.jobs.seed (after the expiry
    job ran there, on 2 December: the reports read November only), reused here; ``templates``: the
    template member's items, read before (from the stack's table). With ``fresh``, each size gets a
    DynamoDB Local of its own (bench.stack.large_tables), else the caller's."""
    profile, lot, program_item = templates or _templates(stack, template_member)
    results: dict[str, Any] = {
        "method": (
            f"the same activity ({ORDERS} orders, {ADJUSTMENTS} adjustments in {MONTH}) in tables of "
            f"{' and '.join(f'{size:,}' for size in SIZES)} members (the largest the expiry bench's, after its "
            "run on 2 December); each report run once to freeze the month it needs, then measured"
        ),
        "sizes": [],
    }
    for members in sizes or SIZES:
        with large_tables() if fresh else nullcontext():
            table = (seeded or {}).get(members) or stack.new_table("bench-reports")
            if table not in (seeded or {}).values():
                progress(f"reports: seeding {members:,} members")
                seed(table, members, profile, lot, program_item)
            progress(f"reports: {members:,} members, {ORDERS} orders, measuring the month's reports")
            pump = Pump(stack, table)
            pump.skip()  # the seeded members are the program's past, already in whatever books it keeps
            results["sizes"].append({"members": members, "reports": _measure(table, pump)})
    return results


def main(arguments: list[str]) -> int:
    """``python -m bench reports [members...]``: this part of the bench alone, on a fresh local stack,
    printing what it measured as JSON (smaller sizes to try a change quickly)."""
    global SIZES
    import json

    from bench.scenario import Storefront, expect
    from bench.stack import local_stack, template

    if arguments:
        SIZES = tuple(int(size) for size in arguments)
    loaded = template()
    with local_stack(loaded) as stack:
        shop = Storefront.open(stack)
        with quiet_stdout():  # the handlers log to stdout, as Lambda's do; the JSON below is the output
            expect(shop.enroll("reports-template"), 201)
            expect(shop.accrue("reports-template-o1", "reports-template"), 201)
        measured = run(stack, "reports-template", templates=_templates(stack, "reports-template"))
    print(json.dumps(measured, indent=2))
    return 0
