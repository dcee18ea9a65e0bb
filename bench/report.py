"""The table ``make bench`` prints: every figure beside its target (DESIGN.md, "Numbers to reach")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ROUND_TRIP_TARGETS = {"enroll": 1, "accrue": 2, "redeem": 2, "member_read": 1, "activity_page": 1}
ACCRUAL_WCU_TARGET = 6.0
JOB_READ_FACTOR = 1.1
COLD_START_RATIO = 1.2
PASS, FAIL, INFO = "PASS", "FAIL", "-"


@dataclass(frozen=True)
class Row:
    area: str
    figure: str
    measured: str
    target: str
    result: str


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
    found.append(
        Row(
            "Deployment",
            f"  less what the runtime provides ({layer['runtime_provided_mb']:.1f} MB: botocore & co)",
            f"{layer['without_runtime_provided_mb']:.1f} MB",
            "",
            INFO,
        )
    )
    return found


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
    for name in ROUND_TRIP_TARGETS:
        op = operations[name]
        if name == "accrue":
            continue
        measured = f"{_units(op['wcu'])} / {_units(op['rcu'])}"
        if op["wcu_aws_floor"] > op["wcu"]:
            measured += f" (AWS: >= {_units(op['wcu_aws_floor'])} WCU)"
        found.append(Row("DynamoDB", f"{name}: WCU / RCU", measured, "", INFO))
    accrue = operations["accrue"]
    found.append(
        Row(
            "DynamoDB",
            "accrue: WCU, table + indexes (billed)",
            f"{_units(accrue['wcu'])} ({_units(accrue['wcu_table'])} + {_units(accrue['wcu_indexes'])})"
            + (f", AWS >= {_units(accrue['wcu_aws_floor'])}" if accrue["wcu_aws_floor"] > accrue["wcu"] else ""),
            f"<= {ACCRUAL_WCU_TARGET:g}",
            _verdict(accrue["wcu"] <= ACCRUAL_WCU_TARGET),
        )
    )
    found.append(
        Row(
            "DynamoDB",
            "accrue: WCU, table only (3 items x 2, transactional)",
            _units(accrue["wcu_table"]),
            "",
            INFO,
        )
    )
    found.append(Row("DynamoDB", "accrue: RCU", _units(accrue["rcu"]), "", INFO))

    expiry = results["jobs"]["expiry"]
    label = "expiry job" if expiry["job_found"] else "expiry due-bucket Query (no job yet)"
    for size in expiry["sizes"]:
        limit = JOB_READ_FACTOR * size["due"]
        where = f"{size['members']:,} members, {size['due']} due"
        found.append(
            Row(
                "Jobs",
                f"{label}: items read, all ({where})",
                f"{size['items_read']} ({size['ratio']:g} x due)",
                f"<= {limit:g}",
                _verdict(size["items_read"] <= limit),
            )
        )
        found.append(
            Row(
                "Jobs",
                f"{label}: items read from the due index ({where})",
                f"{size['index_items_read']} ({size['index_ratio']:g} x due)",
                f"<= {limit:g}",
                _verdict(size["index_items_read"] <= limit),
            )
        )
    sizes = expiry["sizes"]
    found.append(
        Row(
            "Jobs",
            f"{label}: items read, {sizes[-1]['members']:,} vs {sizes[0]['members']:,} members",
            f"{sizes[-1]['items_read']} vs {sizes[0]['items_read']}",
            "no growth",
            _verdict(sizes[-1]["items_read"] <= sizes[0]["items_read"]),
        )
    )

    for name, figures in results["cold_start"].items():
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
        found.append(Row("Deployment", "layer unzipped: not measured (pip failed)", "-", "< 15 MB", FAIL))
        layer = None
    if layer is not None:
        found += _layer_rows(layer)

    cost = results["cost"]
    found.append(
        Row("Cost", "USD per million accruals, all-in", f"${results['cost_per_million_accruals_usd']:.2f}", "", INFO)
    )
    for line, usd in cost["lines_usd"].items():
        found.append(Row("Cost", f"  {line}", f"${usd:.4f}", "", INFO))

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
    header = Row("Area", "Figure", "Measured", "Target", "Result")
    widths = [max(len(getattr(row, field)) for row in [header, *table]) for field in Row.__dataclass_fields__]

    def line(row: Row) -> str:
        cells = [getattr(row, field) for field in Row.__dataclass_fields__]
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
    return "\n".join(out)
