"""``python -m local.audit`` (``make audit``): audit the running local stack's table and print the report.

Finds the stack as ``local.invoke`` does (.local/stack.json, or LOCAL_STACK_FILE), points the layer at
its backend and table, and runs the audit (the top-level ``audit`` package, which tests and bench share).
The accounts are kept from the table's stream by the stack's stream poller: the audit first waits (up to
``SETTLE_SECONDS``) until they hold every write the stream shows. Exit status: 0 clean, 1 problems found,
2 no stack. The report names members by id only, never by email.
"""

from __future__ import annotations

import sys
import time

from local import state

SETTLE_SECONDS = 30


def main() -> int:
    if state.attach_with_layer() is None:
        return 2
    import audit  # after the layer is on sys.path: the audit reads the table through it
    from loyalty.services import books

    # The accounts are kept from the table's stream, a second or so behind the writes: wait for them.
    deadline = time.monotonic() + SETTLE_SECONDS
    while not books.caught_up():
        if time.monotonic() > deadline:
            print(f"the books have not taken in the stream within {SETTLE_SECONDS} s", file=sys.stderr)
            break
        time.sleep(0.5)

    report = audit.run()
    print(report.render())
    return 0 if report.clean else 1


if __name__ == "__main__":
    sys.exit(main())
