"""An imported line's plan: the member it enrolls with its lots, tier and entry, and what a collision
means for the line. No moto."""

from __future__ import annotations

from typing import Any

import pytest

from harness.plans import NOW, by_role, lots_added, program, put
from loyalty.models.imports import ImportRow
from loyalty.services.imports import Rejected, collided, plan
from loyalty.store.enrollment import EnrollConflict
from loyalty.store.imports import IMPORT_ENTRY_ROLE
from loyalty.store.member_record import MemberRecord
from loyalty.store.outbox import entries_of
from loyalty.store.write_loop import Again


def row(**fields: Any) -> ImportRow:
    line: dict[str, Any] = {
        "member_id": "imp-1",
        "email": "imp-1@example.com",
        "tier": "Silver",
        "lots": [
            {"points": 500, "earned_on": "2026-01-10"},
            {"points": 300, "earned_on": "2026-03-01", "expires_on": "2026-12-31"},
        ],
    }
    return ImportRow.model_validate({**line, **fields})


def test_a_line_enrolls_its_member_with_its_lots_its_tier_and_an_import_entry() -> None:
    step = plan("import-1", 7, row(), program(), None, NOW, "CODE-1")
    assert step.answer is True
    items = step.items
    assert lots_added(list(items)) == {"2027-01-10": 500, "2026-12-31": 300}  # 12 months, or the line's day
    roles = by_role([item for item in items if item.role != "lot"])
    member = put(roles["member"])
    record = MemberRecord.from_item(member)
    assert (record.tier, record.tier_since, record.balances.available) == ("Silver", "2026-06-15", 800)
    assert member["GSI5SK"] <= "2026-12-31"  # its expiry day: a lower bound of its soonest points
    assert [event["type"] for event in entries_of(member)] == ["member.enrolled", "points.adjusted"]
    entry = put(roles[IMPORT_ENTRY_ROLE])
    assert (entry["entry_id"], entry["line"], entry["entry_points"]) == ("import:import-1:imp-1", 7, 800)


@pytest.mark.parametrize(
    ("fields", "why"),
    [
        ({"tier": "Platinum"}, "the program has no tier 'Platinum'"),
        ({"enrolled_at": "2026-07-01T00:00:00Z"}, "enrolled_at: is in the future"),
        ({"lots": [{"points": 5, "earned_on": "2025-01-01", "expires_on": "2026-01-01"}]}, "expired already"),
    ],
)
def test_a_line_the_program_cannot_hold_is_rejected_with_where(fields: dict[str, Any], why: str) -> None:
    with pytest.raises(Rejected, match=why):
        plan("import-1", 7, row(**fields), program(), None, NOW, "CODE-1")


def conflict(**failed: Any) -> EnrollConflict:
    return EnrollConflict(None, None, False, False, failed=failed)


def test_the_lines_own_entry_standing_means_an_earlier_delivery_imported_it() -> None:
    assert collided(7, conflict(**{IMPORT_ENTRY_ROLE: [{"line": 7}]})) is True
    with pytest.raises(Rejected, match="already on line 3"):
        collided(7, conflict(**{IMPORT_ENTRY_ROLE: [{"line": 3}]}))


def test_a_member_or_email_held_already_rejects_the_line_and_a_code_clash_tries_again() -> None:
    with pytest.raises(Rejected, match="email: another member"):
        collided(7, EnrollConflict(None, "m-1", False, False))
    assert collided(7, EnrollConflict(None, None, True, False)) == Again(pause=False)
