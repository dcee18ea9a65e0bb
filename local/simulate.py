"""``python -m local.simulate PROGRAM ORDERS [--current FILE] [--out FILE]`` (``make simulate``): what a
proposed program would have done with past orders, beside the program running now.

The current program is ``--current`` (a program JSON file) or, without it, the one stored in the running
local stack (``GET /v1/admin/program`` with LOYALTY_ADMIN_KEY or ADMIN_KEY, at the URL the stack wrote in
its state file). ORDERS is JSON lines in the POST /v1/orders body format, or a Shopify orders export
(CSV). Both programs replay the orders in this process with the platform's own rules
(loyalty.services.simulation; docs/simulator.md says what is and is not replayed). Prints a table and
writes the JSON answer to ``--out`` (default: simulation.json).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from local import state


def stored_program() -> dict[str, Any]:
    key = os.environ.get("ADMIN_KEY") or os.environ.get("LOYALTY_ADMIN_KEY")
    if not key:
        raise RuntimeError("Set LOYALTY_ADMIN_KEY (or ADMIN_KEY) to the local stack's admin key, or give CURRENT=.")
    url = f"{state.read()['api_url']}/v1/admin/program"
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {key}"})  # noqa: S310 - loopback
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
            return dict(json.loads(answer.read()))
    except urllib.error.HTTPError as error:
        raise RuntimeError(f"GET /v1/admin/program answered {error.code}: {error.read().decode()}") from None


def table(answer: dict[str, Any]) -> str:
    current, proposed, difference = answer["current"], answer["proposed"], answer["difference"]
    rows = [
        ("points issued", current["points_issued"], proposed["points_issued"], difference["points_issued"]),
        ("value (minor units)", current["value_minor"], proposed["value_minor"], difference["value_minor"]),
        ("cost rate (of revenue)", current["cost_rate"], proposed["cost_rate"], difference["cost_rate"]),
    ]
    rows += [
        (f"members in {tier}", current["members_by_tier"].get(tier, 0), proposed["members_by_tier"].get(tier, 0), n)
        for tier, n in difference["members_by_tier"].items()
    ]
    rows += [
        (f"liability at the end of {month}", current["liability_minor_by_month"][month], value, n)
        for month, value in proposed["liability_minor_by_month"].items()
        for n in [difference["liability_minor_by_month"][month]]
    ]
    width = max(len(row[0]) for row in rows)
    lines = [
        f"{answer['orders']} orders of {answer['members']} members, revenue {answer['revenue_minor']} "
        f"({answer['currency']} minor units); {answer.get('skipped', 0)} left out",
        f"{'':<{width}}  {'current':>14}  {'proposed':>14}  {'difference':>14}",
    ]
    lines += [f"{name:<{width}}  {a:>14}  {b:>14}  {d:>+14}" for name, a, b, d in rows]
    for title, key in (("gain most", "top_gainers"), ("lose most", "top_losers")):
        listed = ", ".join(f"{m['member_id']} ({m['difference']:+})" for m in difference[key]) or "none"
        lines.append(f"members who {title}: {listed}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.simulate", description=__doc__)
    parser.add_argument("program", type=Path, help="the proposed program (JSON, as PUT /v1/admin/program takes)")
    parser.add_argument("orders", type=Path, help="JSON lines (POST /v1/orders bodies) or a Shopify orders CSV")
    parser.add_argument("--current", type=Path, default=None, help="the current program (default: the stack's)")
    parser.add_argument("--out", type=Path, default=Path("simulation.json"))
    args = parser.parse_args(argv)

    from pydantic import ValidationError

    from loyalty.domain.errors import InvalidInput
    from loyalty.models.program import Program
    from loyalty.services import simulation_files
    from loyalty.services.simulations import answer_for

    try:
        current_doc = json.loads(args.current.read_text()) if args.current else stored_program()
        current = Program.model_validate(current_doc)
        proposed = Program.model_validate(json.loads(args.program.read_text()))
        read = simulation_files.read(args.orders.read_text(encoding="utf-8-sig"))
        answer = answer_for(current, proposed, read)
    except (RuntimeError, OSError, ValueError, ValidationError, InvalidInput) as error:
        print(f"make simulate: {error}", file=sys.stderr)
        return 1
    print(table(answer))
    args.out.write_text(json.dumps(answer, indent=2) + "\n")
    print(f"Written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
