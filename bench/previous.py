"""The figures of an earlier design, kept in bench/previous.json, so the report prints each new figure
beside the old one.

``python -m bench baseline`` writes previous.json from the last run's bench/results.json, with the
commit the run measured (HEAD, and the last commit that changed the layer or the template) and its date.
``python -m bench baseline load`` keeps only the last run's load test and all-in cost (``load``,
``cost_all_in``) beside what previous.json holds already: the design before issue 21 was measured so,
its histories being kept from before issue 10. Take a new baseline only on purpose: it is what the next
design is compared with.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from bench.run import RESULTS

PREVIOUS = Path(__file__).resolve().parent / "previous.json"
ROOT = PREVIOUS.parent.parent


def load() -> dict[str, Any] | None:
    if not PREVIOUS.is_file():
        return None
    loaded: dict[str, Any] = json.loads(PREVIOUS.read_text(encoding="utf-8"))
    return loaded


def _git(*arguments: str) -> str:
    return subprocess.run(["git", *arguments], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()


def snapshot(results: dict[str, Any]) -> dict[str, Any]:
    """What the report compares with: per history and operation the units (AWS's rules and DynamoDB
    Local's) and round trips, the member item, and the cost per million accruals."""
    scenarios = {}
    for name, scenario in results["histories"]["scenarios"].items():
        scenarios[name] = {
            "label": scenario["label"],
            # The largest the member item was: after the history, or after the measured requests.
            "member_item_bytes": max(
                scenario["member_item_bytes"], scenario.get("member_item_bytes_after_measured") or 0
            ),
            "partition_items": scenario["partition_items"],
            "partition_bytes": scenario["partition_bytes"],
            "operations": {
                operation: {key: figures[key] for key in ("round_trips", "calls", "aws", "local")}
                for operation, figures in scenario["operations"].items()
            },
        }
    return {
        "what": "today's design, before the storage rewrite of issue 10",
        "commit": _git("rev-parse", "--short", "HEAD"),
        "design_commit": _git("log", "-1", "--format=%h of %cs", "--", "layers", "template.yaml"),
        "measured_at": results["run"]["finished_at"],
        "machine": results["run"]["machine"],
        "cost_usd_per_million_accruals": {
            name: bill["usd_per_million_accruals"] for name, bill in results["cost_by_history"].items()
        },
        "scenarios": scenarios,
    }


def _measured(results: dict[str, Any], what: str) -> dict[str, Any]:
    return {
        "what": what,
        "commit": _git("rev-parse", "--short", "HEAD"),
        "design_commit": _git("log", "-1", "--format=%h of %cs", "--", "layers", "template.yaml"),
        "measured_at": results["run"]["finished_at"],
        "machine": results["run"]["machine"],
        "load_average": results["run"].get("load_average"),
    }


def load_snapshot(results: dict[str, Any], what: str) -> dict[str, Any]:
    """The load test and the all-in cost of a run, each with where and when it was measured."""
    load = results["load"]
    kept = {name: load[name] for name in ("members", "clients", "accruals", "lambdas_per_request", "method")}
    for name in ("without_campaign", "with_campaign"):
        kept[name] = {key: value for key, value in load[name].items() if key != "stream"}
        kept[name]["stream_per_accrual"] = load[name]["stream"]["per_accrual"]
    cost = results["cost"]
    return {
        "load": {**_measured(results, what), **kept},
        "cost_all_in": {
            **_measured(results, what),
            "usd_per_million_accruals": cost["usd_per_million_accruals"],
            "lines_usd": cost["lines_usd"],
            "units_per_accrual": cost["units_per_accrual"],
        },
    }


WHAT_BEFORE_21 = (
    "the design before issue 21: the accounting day item and the campaign budget counter in each "
    "accrual's transaction, a Lambda authorizer on every request"
)


def main(arguments: list[str] | None = None) -> int:
    results = json.loads(RESULTS.read_text(encoding="utf-8"))
    if arguments == ["load"]:
        kept = load() or {}
        kept.update(load_snapshot(results, WHAT_BEFORE_21))
        PREVIOUS.write_text(json.dumps(kept, indent=2) + "\n", encoding="utf-8")
        print(f"Written the load test and the all-in cost into {PREVIOUS}")
        return 0
    PREVIOUS.write_text(json.dumps(snapshot(results), indent=2) + "\n", encoding="utf-8")
    print(f"Written to {PREVIOUS}")
    return 0
