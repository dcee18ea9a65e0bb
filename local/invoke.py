"""``python -m local.invoke <LogicalId> <event-file|->`` (``make invoke``): run one function against the
running local stack's backends and print its result as JSON."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from local import runtime, state


def _read_event(source: str) -> Any:
    text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    return json.loads(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.invoke", description=__doc__)
    parser.add_argument("function", help="logical id of the function in template.yaml, e.g. HealthFunction")
    parser.add_argument("event", nargs="?", default="-", help="event JSON file, or - for stdin (default)")
    args = parser.parse_args(argv)
    try:
        template = state.attach()
    except RuntimeError as error:
        print(error, file=sys.stderr)
        return 1
    functions = sorted(template.functions())
    if args.function not in functions:
        print(f"No function {args.function!r}; the template has: {', '.join(functions)}", file=sys.stderr)
        return 2
    try:
        event = _read_event(args.event)
    except (OSError, ValueError) as error:
        print(f"Cannot read the event from {args.event}: {error}", file=sys.stderr)
        return 2
    result = runtime.invoke(template, args.function, event)
    print(json.dumps(result, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
