"""bench.report's units rows: AWS-rule figures against their targets, the old design's beside them."""

from __future__ import annotations

from typing import Any

from bench import report


def operation(wcu: float, rcu: float, local_wcu: float) -> dict[str, Any]:
    return {
        "round_trips": 2,
        "calls": ["Query", "TransactWriteItems"],
        "aws": {"wcu": wcu, "wcu_table": wcu - 1, "wcu_indexes": {"GSI1": 1.0}, "rcu": rcu},
        "local": {"wcu": local_wcu, "wcu_table": local_wcu, "wcu_indexes": 0.0, "rcu": rcu},
    }


def histories(accrue: dict[str, Any], member_bytes: int) -> dict[str, Any]:
    scenario = {
        "label": "new member, day 0",
        "operations": {"accrue": accrue, "redeem": operation(9, 1, 9), "member_read": operation(0, 1, 0)},
        "member_item_bytes": member_bytes,
        "partition_items": 2,
        "partition_bytes": 900,
    }
    return {"scenarios": {"new_member": scenario}}


def test_units_rows_carry_targets_and_the_old_figures() -> None:
    now = histories(operation(7, 1, 12), 600)
    previous = {**histories(operation(9, 1, 12), 537), "what": "old", "design_commit": "abc", "measured_at": "x"}
    rows = {row.figure: row for row in report._history_rows(now, previous)}
    accrue = rows["accrue, new member, day 0: WCU / RCU, AWS's rules"]
    assert (accrue.measured, accrue.before, accrue.target, accrue.result) == ("7 / 1", "9 / 1", "<= 7 / <= 1", "PASS")
    member = rows["member item, new member, day 0 (partition: items, bytes)"]
    assert (member.measured, member.before, member.result) == ("600 B (2, 900 B)", "537 B (2, 900 B)", "PASS")
    assert rows["member_read, new member, day 0: RCU, AWS's rules (DynamoDB Local's)"].measured == "1 (1)"


def test_a_miss_fails_and_no_previous_leaves_before_empty() -> None:
    rows = report._history_rows(histories(operation(8, 1, 12), 2048), None)
    by_figure = {row.figure: row for row in rows}
    assert by_figure["accrue, new member, day 0: WCU / RCU, AWS's rules"].result == "FAIL"
    assert by_figure["member item, new member, day 0 (partition: items, bytes)"].result == "FAIL"  # < 2 KB
    assert all(row.before == "" for row in rows)
