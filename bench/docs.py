"""``python -m bench docs``: the last run (bench/results.json) written into docs/performance.md and the
README's Performance table, between their ``bench:begin`` / ``bench:end`` markers. ``make bench`` runs it
at the end, so the docs show one full run and nothing older; what is outside the markers (how each
figure is taken) is written by hand.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench import report

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.json"
PERFORMANCE = ROOT / "docs" / "performance.md"
README = ROOT / "README.md"
BEGIN = "<!-- bench:begin: written by `python -m bench docs` from bench/results.json; edits here are lost -->"
END = "<!-- bench:end -->"


def replace_between(text: str, new: str, begin: str = BEGIN, end: str = END) -> str:
    """``text`` with what lies between the markers replaced by ``new`` (the markers kept)."""
    start = text.find(begin)
    stop = text.find(end, start + len(begin)) if start >= 0 else -1
    if start < 0 or stop < 0:
        raise ValueError(f"the markers {begin!r} and {end!r} are not both there, in that order")
    return text[: start + len(begin)] + "\n" + new.strip("\n") + "\n" + text[stop:]


def _run_line(results: dict[str, Any]) -> str:
    run = results["run"]
    load = run.get("load_average", {})
    phases = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in run.get("phases_s", {}).items())
    return (
        f"Run of {run['finished_at'][:10]} ({run['machine']}; load average {load.get('start')} at the start, "
        f"{load.get('end')} at the end), {run['seconds'] / 60:.1f} minutes" + (f": {phases}." if phases else ".")
    )


def performance_section(results: dict[str, Any]) -> str:
    """The run as docs/performance.md shows it: when and where, the table, the notes."""
    notes = "\n".join(f"- {note}" for note in results.get("notes", []))
    return f"{_run_line(results)}\n\n```text\n{report.render(results)}\n```\n\n{notes}\n"


def _accrual(results: dict[str, Any], scenario: str) -> str:
    found = results["histories"]["scenarios"].get(scenario, {}).get("operations", {}).get("accrue")
    return f"{found['aws']['wcu']:g} / {found['aws']['rcu']:g}" if found else "-"


def readme_section(results: dict[str, Any]) -> str:
    """A few headline figures for the README, each beside the design before when the bench kept one."""
    previous = results.get("previous") or {}
    before_load = previous.get("load") or {}
    before_cost = (previous.get("cost_all_in") or {}).get("usd_per_million_accruals")
    load = results["load"]
    cold = max(figures["ratio"] for figures in results["cold_start"].values())
    rows = [
        ("accrual: write / read units by AWS's rules, new member", _accrual(results, "new_member"), ""),
        ("accrual: the same after a year of daily orders", _accrual(results, "daily_365"), ""),
        (
            "Lambda invocations per API request",
            f"{load['lambdas_per_request']:g}",
            before_load.get("lambdas_per_request"),
        ),
        ("USD per million accruals, all-in", f"${results['cost_per_million_accruals_usd']:.2f}", before_cost),
    ]
    for name, label in report.LOAD_RUNS.items():
        run, old = load[name], before_load.get(name) or {}
        rows.append(
            (f"load {label}: accruals/s, p99", f"{run['accruals_per_s']:g}/s, {run['p99_ms']:g} ms", _pair(old))
        )
        rows.append((f"load {label}: conflicts, retries", f"{run['conflicts']}, {run['retries']}", _conflicts(old)))
    rows.append(("cold start, slowest function / bare handler", f"{cold:.2f}x", ""))
    lines = ["| figure | this run | design before |", "|---|---|---|"]
    for label, figure, before in rows:
        shown = f"${before:.2f}" if isinstance(before, float) and label.startswith("USD") else before
        lines.append(f"| {label} | {figure} | {'' if shown is None else shown} |")
    lines.append("")
    lines.append(f"{_run_line(results)} Every figure and how it is taken: [docs/performance.md](docs/performance.md).")
    return "\n".join(lines) + "\n"


def _was(before: dict[str, Any], name: str) -> str:
    figure = before.get(name)
    return "" if figure is None else f"{figure:g}"


def _pair(old: dict[str, Any]) -> str:
    return f"{old['accruals_per_s']:g}/s, {old['p99_ms']:g} ms" if old else ""


def _conflicts(old: dict[str, Any]) -> str:
    return f"{old['conflicts']}, {old['retries']}" if old else ""


def write(results: dict[str, Any]) -> None:
    PERFORMANCE.write_text(
        replace_between(PERFORMANCE.read_text(encoding="utf-8"), performance_section(results)), encoding="utf-8"
    )
    README.write_text(replace_between(README.read_text(encoding="utf-8"), readme_section(results)), encoding="utf-8")


def main() -> int:
    write(json.loads(RESULTS.read_text(encoding="utf-8")))
    print(f"Written the run of bench/results.json into {PERFORMANCE.relative_to(ROOT)} and {README.relative_to(ROOT)}")
    return 0
