"""The figures of an earlier design, kept in bench/previous.json, so the report prints each new figure
beside the old one.

``python -m bench baseline`` writes previous.json from the last run's bench/results.json, with the
commit the run measured (HEAD, and the last commit that changed the layer or the template) and its date.
Take a new baseline only on purpose: it is what the next design is compared with.
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


def main() -> int:
    results = json.loads(RESULTS.read_text(encoding="utf-8"))
    PREVIOUS.write_text(json.dumps(snapshot(results), indent=2) + "\n", encoding="utf-8")
    print(f"Written to {PREVIOUS}")
    return 0
