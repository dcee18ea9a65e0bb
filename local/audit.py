"""``python -m local.audit`` (``make audit``): audit the running local stack's table and print the report.

Finds the stack as ``local.invoke`` does (.local/stack.json, or LOCAL_STACK_FILE), points the layer at
its backend and table, and runs the audit (the top-level ``audit`` package, which tests and bench share).
Exit status: 0 clean, 1 problems found, 2 no stack. The report names members by id only, never by email.
"""

from __future__ import annotations

import sys

from local import state


def main() -> int:
    if state.attach_with_layer() is None:
        return 2
    import audit  # after the layer is on sys.path: the audit reads the table through it

    report = audit.run()
    print(report.render())
    return 0 if report.clean else 1


if __name__ == "__main__":
    sys.exit(main())
