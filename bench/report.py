"""The table ``make bench`` prints: every figure beside its target (DESIGN.md, "Numbers to reach"), and
beside the figure of the design before (bench/previous.json) where the bench kept one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ROUND_TRIP_TARGETS = {"enroll": 1, "accrue": 2, "redeem": 2, "member_read": 1, "activity_page": 1}
# Units by AWS's rules, at any history (DESIGN.md): (write units, read units) at most; None: no target.
UNIT_TARGETS: dict[str, tuple[float | None, float | None]] = {
    "enroll": (10.0, None),
    "accrue": (7.0, 1.0),
    "redeem": (9.0, None),
}
MEMBER_ITEM_LIMIT = 2 * 1024  # bytes, by AWS's rules
WRITE_OPERATIONS = ("enroll", "accrue", "redeem", "redeem_limited")
JOB_READ_FACTOR = 1.1
# The old design was measured redeeming a reward with a stock and a per-member limit: that figure is the
# one to set beside today's redeem_limited; today's plain redeem (an unlimited reward) has none to compare with.
BEFORE_AS = {"redeem_limited": "redeem", "redeem": None}
COLD_START_RATIO = 1.2
PASS, FAIL, INFO = "PASS", "FAIL", "-"


@dataclass(frozen=True)
class Row:
    area: str
    figure: str
    measured: str
    target: str
    result: str
    before: str = ""  # the same figure for the design in bench/previous.json


def _verdict(ok: bool) -> str:
    return PASS if ok else FAIL


def _units(value: float) -> str:
    return f"{value:g}"


def _layer_rows(layer: dict[str, Any]) -> list[Row]:
    found: list[Row] = []
    found.append(
        Row(
            "Deployment",
            "layer unzipped, as sam build builds it",
            f"{layer['unzipped_mb']:.1f} MB",
            f"< {layer['limit_mb']:g} MB",
            _verdict(layer["unzipped_mb"] < layer["limit_mb"]),
        )
    )
    found.append(Row("Deployment", "  of which bytecode (.pyc)", f"{layer['bytecode_mb']:.1f} MB", "", INFO))
    runtime = ", ".join(layer["runtime_provided"]) or "none"
    found.append(
        Row(
            "Deployment",
            "  packages the runtime already has (boto3, botocore & co)",
            runtime,
            "none",
            _verdict(not layer["runtime_provided"]),
        )
    )
    return found


def _split(units: dict[str, Any]) -> str:
    indexes = "".join(f" + {name} {value:g}" for name, value in sorted(units["wcu_indexes"].items()))
    return f"{units['wcu_table']:g} table{indexes}"


def _unit_target(name: str) -> str:
    """The target of an operation's (WCU, RCU), as the table prints it; empty when it has none."""
    if name not in UNIT_TARGETS:
        return ""
    return " / ".join(f"<= {limit:g}" if limit is not None else "-" for limit in UNIT_TARGETS[name])


def _meets(name: str, figures: dict[str, Any]) -> bool:
    wcu, rcu = UNIT_TARGETS[name]
    return (wcu is None or figures["wcu"] <= wcu) and (rcu is None or figures["rcu"] <= rcu)


def _history_rows(histories: dict[str, Any], previous: dict[str, Any] | None) -> list[Row]:
    """Units by AWS's rules per history and operation, DynamoDB Local's count and the round trips beside,
    and the member item; each beside the old design's figure."""
    found: list[Row] = []
    old_scenarios = (previous or {}).get("scenarios", {})
    for name, scenario in histories["scenarios"].items():
        label = scenario["label"]
        old = old_scenarios.get(name, {})
        for operation, figures in scenario["operations"].items():
            aws, local = figures["aws"], figures["local"]
            counterpart = BEFORE_AS.get(operation, operation)
            before = old.get("operations", {}).get(counterpart) if counterpart else None
            if operation not in WRITE_OPERATIONS:
                found.append(
                    Row(
                        "Units",
                        f"{operation}, {label}: RCU, AWS's rules (DynamoDB Local's)",
                        f"{aws['rcu']:g} ({local['rcu']:g})",
                        "",
                        INFO,
                        f"{before['aws']['rcu']:g} ({before['local']['rcu']:g})" if before else "",
                    )
                )
                continue
            found.append(
                Row(
                    "Units",
                    f"{operation}, {label}: WCU / RCU, AWS's rules",
                    f"{aws['wcu']:g} / {aws['rcu']:g}",
                    _unit_target(operation),
                    _verdict(_meets(operation, aws)) if operation in UNIT_TARGETS else INFO,
                    f"{before['aws']['wcu']:g} / {before['aws']['rcu']:g}" if before else "",
                )
            )
            found.append(
                Row(
                    "Units", "  WCU: table + each index", _split(aws), "", INFO, _split(before["aws"]) if before else ""
                )
            )
            found.append(
                Row(
                    "Units",
                    "  DynamoDB Local's count (WCU / RCU), round trips",
                    f"{local['wcu']:g} / {local['rcu']:g}, {figures['round_trips']} ({' + '.join(figures['calls'])})",
                    "",
                    INFO,
                    f"{before['local']['wcu']:g} / {before['local']['rcu']:g}, {before['round_trips']}"
                    if before
                    else "",
                )
            )
        size = max(scenario["member_item_bytes"], scenario.get("member_item_bytes_after_measured") or 0)
        found.append(
            Row(
                "Units",
                f"member item, {label} (partition: items, bytes)",
                f"{size:,} B ({scenario['partition_items']:,}, {scenario['partition_bytes']:,} B)",
                f"< {MEMBER_ITEM_LIMIT:,} B",
                _verdict(size < MEMBER_ITEM_LIMIT),
                f"{old['member_item_bytes']:,} B ({old['partition_items']:,}, {old['partition_bytes']:,} B)"
                if old
                else "",
            )
        )
    return found


def _growth_rows(histories: dict[str, Any]) -> list[Row]:
    """DESIGN.md: no operation's units depend on how long a member has shopped."""
    found = []
    scenarios = list(histories["scenarios"].values())
    first, later = scenarios[0], scenarios[1:]
    for operation in ("accrue", "redeem"):
        base = first["operations"][operation]["aws"]
        seen = [scenario["operations"][operation]["aws"] for scenario in later if operation in scenario["operations"]]
        found.append(
            Row(
                "Units",
                f"{operation}: WCU / RCU, {' -> '.join(scenario['label'] for scenario in scenarios)}",
                " -> ".join(f"{units['wcu']:g} / {units['rcu']:g}" for units in [base, *seen]),
                "no growth",
                _verdict(all(units["wcu"] <= base["wcu"] and units["rcu"] <= base["rcu"] for units in seen)),
            )
        )
    return found


def _cold_start_rows(cold: dict[str, Any]) -> list[Row]:
    found: list[Row] = []
    for name, figures in cold.items():
        found.append(
            Row(
                "Cold start",
                f"{name}: init / baseline",
                f"{figures['init_ms']:.0f} / {figures['baseline_ms']:.0f} ms = {figures['ratio']:.2f}x"
                f" (CPU {figures['cpu_ratio']:.2f}x)",
                f"<= {COLD_START_RATIO}x",
                _verdict(figures["ratio"] <= COLD_START_RATIO),
            )
        )
    # What waits for the first request (validators, settings, the boto3 client): shown, not judged.
    for name, figures in cold.items():
        first = figures.get("first_request")
        if first is None:
            continue
        status = f", {first['status']}" if first.get("status") is not None else ""
        found.append(
            Row(
                "Cold start",
                f"{name}: first / second request ({first['event'].removeprefix('events/')}{status})",
                f"{first['first_ms']:.0f} / {first['second_ms']:.0f} ms"
                f" (init + first {first['init_plus_first_ms']:.0f})",
                "",
                INFO,
            )
        )
    return found


REPORT_ITEMS = 31 * 16 + 2  # a month's day items in every shard, the frozen month before, the program


def _report_rows(measured: dict[str, Any]) -> list[Row]:
    small, large = measured["sizes"][0], measured["sizes"][-1]
    found = []
    for name, figures in large["reports"].items():
        before = small["reports"][name]
        found.append(
            Row(
                "Reports",
                f"{name}: items read (round trips), {large['members']:,} vs {small['members']:,} members",
                f"{figures['items_read']} ({figures['round_trips']}) "
                f"vs {before['items_read']} ({before['round_trips']})",
                f"same; <= {REPORT_ITEMS}",
                _verdict(
                    figures["items_read"] == before["items_read"]
                    and figures["round_trips"] == before["round_trips"]
                    and figures["items_read"] <= REPORT_ITEMS
                ),
            )
        )
        found.append(
            Row(
                "Reports",
                f"{name}: RCU, ms, {large['members']:,} vs {small['members']:,} members",
                f"{figures['rcu']:g} / {figures['ms']:g} ms vs {before['rcu']:g} / {before['ms']:g} ms",
                "-",
                INFO,
            )
        )
    return found


LOAD_RUNS = {"without_campaign": "without a campaign", "with_campaign": "with a budgeted campaign"}
LAMBDAS_PER_REQUEST = 1  # issue 21: an authenticated request invokes one function


def _was(figure: Any, unit: str = "") -> str:
    return "" if figure is None else f"{figure:g}{unit}" if isinstance(figure, float | int) else str(figure)


def _load_rows(load: dict[str, Any], before: dict[str, Any] | None) -> list[Row]:
    """The load test (bench/load.py) beside the same run of the design before (previous.json's ``load``)."""
    before = before or {}
    per_request = load["lambdas_per_request"]
    found = [
        Row(
            "Load",
            "Lambda invocations per API request (counted at the gateway)",
            f"{per_request:g}",
            f"<= {LAMBDAS_PER_REQUEST}",
            _verdict(per_request <= LAMBDAS_PER_REQUEST),
            _was(before.get("lambdas_per_request")),
        )
    ]
    for name, label in LOAD_RUNS.items():
        run, old = load[name], before.get(name) or {}
        items, old_items = run.get("items", {}), old.get("items", {})
        quiet = name == "without_campaign"
        found += [
            Row(
                "Load",
                f"{label}: accruals/s ({load['clients']} clients, {run['accruals']:,} accruals, "
                f"{load['members']:,} members)",
                f"{run['accruals_per_s']:g}",
                "",
                INFO,
                _was(old.get("accruals_per_s")),
            ),
            Row(
                "Load",
                "  latency p50 / p95 / p99",
                f"{run['p50_ms']:g} / {run['p95_ms']:g} / {run['p99_ms']:g} ms",
                "",
                INFO,
                f"{old['p50_ms']:g} / {old['p95_ms']:g} / {old['p99_ms']:g} ms" if old else "",
            ),
            Row(
                "Load",
                "  transaction conflicts / write-loop retries (DynamoDB Local)",
                f"{run['conflicts']} / {run['retries']}",
                "0" if quiet else "",
                _verdict(run["conflicts"] == 0) if quiet else INFO,
                f"{old['conflicts']} / {old['retries']}" if old else "",
            ),
            Row(
                "Load",
                "  items shared by members' transactions, per transaction; hottest item, writes/s",
                f"{items.get('shared_items_per_transaction', 0):g}; {items.get('hottest_item_writes_per_s', 0):g}",
                "",
                INFO,
                f"{old_items['shared_items_per_transaction']:g}; {old_items['hottest_item_writes_per_s']:g}"
                if old_items
                else "",
            ),
            Row(
                "Load",
                "  books behind the last answer (accounting day items count every accrual)",
                "timed out" if run["books_lag_ms"] is None else f"{run['books_lag_ms']:g} ms",
                "",
                INFO,
                _was(old.get("books_lag_ms"), " ms"),
            ),
        ]
        if run.get("campaign_points_expected") is not None:
            given, expected = run.get("campaign_points_given"), run["campaign_points_expected"]
            found.append(
                Row(
                    "Load",
                    "  campaign budget: points given / bonus of every order",
                    f"{given} / {expected}",
                    "equal",
                    _verdict(given == expected),
                )
            )
    return found


def _cost_rows(results: dict[str, Any], previous: dict[str, Any] | None) -> list[Row]:
    cost = results["cost"]
    old_costs = (previous or {}).get("cost_usd_per_million_accruals", {})
    found = []
    for name, bill in results.get("cost_by_history", {}).items():
        found.append(
            Row(
                "Cost",
                f"USD per million accruals, all-in, AWS's rules: {bill['label']}",
                f"${bill['usd_per_million_accruals']:.2f} ({bill['write_request_units']:g} WRU, "
                f"{bill['read_request_units']:g} RRU)",
                "",
                INFO,
                f"${old_costs[name]:.2f}" if name in old_costs else "",
            )
        )
    before = (previous or {}).get("cost_all_in") or {}
    old_lines = before.get("lines_usd", {})
    found.append(
        Row(
            "Cost",
            "  the new member's, all-in (API Gateway, Lambda, DynamoDB, stream, events out)",
            f"${cost['usd_per_million_accruals']:.4f}",
            "",
            INFO,
            f"${before['usd_per_million_accruals']:.4f}" if before else "",
        )
    )
    for line in [*cost["lines_usd"], *(name for name in old_lines if name not in cost["lines_usd"])]:
        usd = cost["lines_usd"].get(line)
        found.append(
            Row(
                "Cost",
                f"    {line}",
                "-" if usd is None else f"${usd:.4f}",
                "",
                INFO,
                f"${old_lines[line]:.4f}" if line in old_lines else "",
            )
        )
    return found


def _simulation_rows(simulated: dict[str, Any]) -> list[Row]:
    """The what-if simulator's replay (bench/simulation.py): CPU seconds for a million orders under two
    programs, extrapolated from the orders measured when fewer."""
    measured = f"{simulated['orders']:,} orders" + (", extrapolated" if simulated["extrapolated"] else "")
    return [
        Row(
            "Simulator",
            f"a million orders replayed under two programs, one core ({measured})",
            f"{simulated['million_orders_s']:g} s ({simulated['replays_per_s']:,} orders/s per program)",
            f"< {simulated['target_s']:g} s",
            _verdict(simulated["million_orders_s"] < simulated["target_s"]),
        )
    ]


def rows(results: dict[str, Any]) -> list[Row]:
    found: list[Row] = []
    operations = results["operations"]
    for name, target in ROUND_TRIP_TARGETS.items():
        op = operations[name]
        found.append(
            Row(
                "DynamoDB",
                f"{name}: round trips ({' + '.join(op['calls'])})",
                str(op["round_trips"]),
                f"<= {target}",
                _verdict(op["round_trips"] <= target),
            )
        )
    previous = results.get("previous")
    if "histories" in results:
        found += _history_rows(results["histories"], previous)
        found += _growth_rows(results["histories"])

    expiry = results["jobs"]["expiry"]
    for size in expiry["sizes"]:
        where = f"{size['members']:,} members, {size['due']} due"
        due = size["due"]
        found.append(
            Row(
                "Jobs",
                f"expiry job: index entries read ({where})",
                f"{size['index_items_read']} ({size['index_ratio']:g} x due)",
                f"<= {JOB_READ_FACTOR * due:g}",
                _verdict(size["index_items_read"] <= JOB_READ_FACTOR * due),
            )
        )
        found.append(
            Row(
                "Jobs",
                f"expiry job: table items read, of the {size['settled_items']} it settles ({where})",
                f"{size['table_items_read']} ({size['table_ratio']:g} x)",
                f"<= {JOB_READ_FACTOR * size['settled_items']:g}",
                _verdict(size["table_items_read"] <= JOB_READ_FACTOR * size["settled_items"]),
            )
        )
        found.append(
            Row(
                "Jobs",
                f"expiry job: items read, all, per member due ({where})",
                f"{size['items_read']} ({size['ratio']:g} x due; {size['rcu_per_due']:g} RCU each)",
                f"<= {JOB_READ_FACTOR * due:g}",
                _verdict(size["items_read"] <= JOB_READ_FACTOR * due),
            )
        )
    sizes = expiry["sizes"]
    found.append(
        Row(
            "Jobs",
            f"expiry job: items read, {sizes[-1]['members']:,} vs {sizes[0]['members']:,} members",
            f"{sizes[-1]['items_read']} vs {sizes[0]['items_read']}",
            "no growth",
            _verdict(sizes[-1]["items_read"] <= sizes[0]["items_read"]),
        )
    )

    if "reports" in results:
        found += _report_rows(results["reports"])
    found += _cold_start_rows(results["cold_start"])

    deployment = results["deployment"]
    for name, figures in deployment["functions"].items():
        found.append(
            Row(
                "Deployment",
                f"{name}: zip",
                f"{figures['zip_kb']:.1f} KB",
                f"< {figures['limit_kb']:g} KB",
                _verdict(figures["zip_kb"] < figures["limit_kb"]),
            )
        )
    layer = deployment["layer"]
    if "error" in layer:
        found.append(Row("Deployment", "layer unzipped: not measured (see the notes)", "-", "< 15 MB", FAIL))
        layer = None
    if layer is not None:
        found += _layer_rows(layer)

    if "simulation" in results:
        found += _simulation_rows(results["simulation"])
    found += _cost_rows(results, previous)
    if "load" in results:
        found += _load_rows(results["load"], (previous or {}).get("load"))

    throughput = results["throughput"]
    found.append(
        Row(
            "Throughput",
            "accruals/s: handler path / raw TransactWriteItems",
            f"{throughput['accrue_per_s']:g} / {throughput['baseline_per_s']:g} = {throughput['ratio']:.2f}",
            "",
            INFO,
        )
    )
    for name, timing in throughput["invocation_ms"].items():
        found.append(
            Row("Throughput", f"  {name} duration, median / p90", f"{timing['median']} / {timing['p90']} ms", "", INFO)
        )
    events = results.get("events")
    if events:
        found.append(
            Row(
                "Events",
                "events/s through the local path (stream -> publisher -> bus) / publisher alone",
                f"{events['events_per_s']:g} / {events['publisher_events_per_s']:g}",
                "",
                INFO,
            )
        )
        costs = events["cost_per_million_accruals_usd"]
        busy = next(key for key in costs if key.startswith("total_") and key != "total_one_record")
        found.append(
            Row(
                "Events",
                "added USD per million accruals: 1 record / full batches per invocation",
                f"${costs['total_one_record']:.4f} / ${costs[busy]:.4f}",
                "",
                INFO,
            )
        )
    return found


def render(results: dict[str, Any]) -> str:
    table = rows(results)
    header = Row("Area", "Figure", "Measured", "Target", "Result", "Before")
    order = ("area", "figure", "measured", "before", "target", "result")
    widths = [max(len(getattr(row, field)) for row in [header, *table]) for field in order]

    def line(row: Row) -> str:
        cells = [getattr(row, field) for field in order]
        return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()

    rule = "  ".join("-" * width for width in widths)
    out = [line(header), rule]
    previous = None
    for row in table:
        if previous is not None and row.area != previous:
            out.append("")
        out.append(line(row))
        previous = row.area
    checked = [row for row in table if row.result != INFO]
    failed = [row for row in checked if row.result == FAIL]
    out.append(rule)
    out.append(f"Targets met: {len(checked) - len(failed)} of {len(checked)}")
    if failed:
        out.append("Missed: " + "; ".join(f"{row.area} / {row.figure.strip()}" for row in failed))
    previous = results.get("previous")
    if previous:
        out.append(
            f"Before: {previous['what']}, design {previous['design_commit']}, measured {previous['measured_at']} "
            f"at {previous['commit']} (bench/previous.json)"
        )
    return "\n".join(out)
