"""``python -m local.rebuild_books`` (``make rebuild-books``): put the accounting day items back from the
ledger (loyalty.services.books.rebuild), for days the stream no longer holds (it keeps 24 hours).

Without ``--table``, on the running local stack (found as ``local.audit`` finds it); with ``--table NAME``,
on that table with the AWS credentials and region of the environment (a deployed stack: its table's name
is the stack's ``LoyaltyTable`` output; the caller needs Scan, Query, PutItem and DeleteItem on it and
DescribeTable, DescribeStream, GetShardIterator and GetRecords on its stream).

Every day before ``--before`` (default: today in the program's timezone) is rebuilt; later days are left to
the stream. It refuses while the books have not taken in every write made before that day (a write still
on its way would be counted twice); ``--unchecked`` skips that check, for a stack whose stream is off.
Exit status: 0 rebuilt, 1 refused, 2 no stack.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date

from local.template import ROOT, Template


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.rebuild_books", description=__doc__.split("\n\n")[0])
    parser.add_argument("--table", help="a deployed table by name (default: the running local stack's)")
    parser.add_argument("--before", type=date.fromisoformat, help="rebuild the days before this one (YYYY-MM-DD)")
    parser.add_argument("--unchecked", action="store_true", help="do not wait for the stream to settle")
    options = parser.parse_args(argv)
    if not attach(options.table):
        return 2
    from loyalty.adapters import clock
    from loyalty.domain import calendar
    from loyalty.services import books
    from loyalty.services import program as programs

    zone = programs.current().zone
    before = options.before or calendar.local_day(clock.now(), zone)
    try:
        done = books.rebuild(before, zone, check_settled=not options.unchecked)
    except RuntimeError as error:
        print(error, file=sys.stderr)
        return 1
    print(f"days before {before}: {done.days_put} day items put, {done.days_deleted} deleted, {done.writes_read} read")
    return 0


def attach(table: str | None) -> bool:
    """The layer on the path and the table named: ``table`` with the environment's AWS settings, or the
    running local stack's (False: none runs)."""
    from local import runtime, state

    if table:
        os.environ["TABLE_NAME"] = table
        runtime.add_layers(runtime_template())
        return True
    return state.attach_with_layer() is not None


def runtime_template() -> Template:
    from local import template as template_loader

    return template_loader.load(ROOT / "template.yaml")


if __name__ == "__main__":
    sys.exit(main())
