"""The JSON Schemas of the events (docs/events/<type>.json), generated from loyalty.models.events.

``python -m local.event_schemas --write`` refreshes them; ``--check`` fails when they drifted (the
contract test runs the same comparison).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "docs" / "events"


def documents() -> dict[str, str]:
    sys.path.insert(0, str(ROOT / "layers" / "core"))
    from loyalty.models.event_types import EVENT_TYPES
    from loyalty.models.events import envelope_schema

    return {f"{t}.json": json.dumps(envelope_schema(t), indent=2, sort_keys=True) + "\n" for t in EVENT_TYPES}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    wanted = documents()
    if args.write:
        FOLDER.mkdir(parents=True, exist_ok=True)
        for name, text in wanted.items():
            (FOLDER / name).write_text(text)
        print(f"wrote {len(wanted)} schemas to {FOLDER.relative_to(ROOT)}")
        return 0
    present = {path.name: path.read_text() for path in FOLDER.glob("*.json")} if FOLDER.is_dir() else {}
    if present != wanted:
        print("docs/events is out of date: run python -m local.event_schemas --write", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
