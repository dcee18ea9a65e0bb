"""``python -m local.rebuild_impact`` (``make rebuild-impact``): put the impact aggregates (the experiments
and retention reports' inputs) back from the members, orders and non-members' orders the table holds
(loyalty.services.impact_rebuild): after an upgrade from a version without them, or after the publisher
was stopped longer than the stream's 24 hours.

Without ``--table``, on the running local stack (found as ``local.audit`` finds it); with ``--table NAME``,
on that table with the AWS credentials and region of the environment (a deployed stack: its table's name
is the stack's ``LoyaltyTable`` output; the caller needs Scan, Query, BatchWriteItem on it and
DescribeTable, DescribeStream, GetShardIterator and GetRecords on its stream).

It starts only once the stream's consumer has taken in every write that feeds the aggregates, and checks
at the end that none arrived meanwhile; if one did, run it again (a quiet moment of the shop). Members
erased since are left out. ``--unchecked`` skips both checks, for a stack whose stream is off or stopped.
Exit status: 0 rebuilt, 1 refused or to run again, 2 no stack.
"""

from __future__ import annotations

import argparse
import sys

from local.rebuild_books import attach


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.rebuild_impact", description=__doc__.split("\n\n")[0])
    parser.add_argument("--table", help="a deployed table by name (default: the running local stack's)")
    parser.add_argument("--unchecked", action="store_true", help="do not check that no write is in flight")
    options = parser.parse_args(argv)
    if not attach(options.table):
        return 2
    from loyalty.services import impact_rebuild

    try:
        done = impact_rebuild.rebuild(check_quiet=not options.unchecked)
    except impact_rebuild.NotQuiet as error:
        print(error, file=sys.stderr)
        return 1
    print(f"{done.records} items read into {done.put} aggregates and customers' months put, {done.deleted} deleted")
    return 0


if __name__ == "__main__":
    sys.exit(main())
