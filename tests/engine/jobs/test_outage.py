"""A week without any job run (the scheduler was down): the first run after it matures and expires
everything that fell due meanwhile and sends each reminder that came due, once; a second run changes
nothing. Time travels through the schedules' own events, into the real handlers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from local import runtime
from local.template import Template
from loyalty.adapters import clock
from loyalty.services import members
from loyalty.store.client import dynamodb
from tests.auditing import audit_clean
from tests.conftest import table_items
from tests.service.jobs.conftest import at, configure, earn, enroll, held, sent_emails

# The engine decides these outcomes (transactions, conditions, index queries): moto and DynamoDB Local.
pytestmark = pytest.mark.engine

SCHEDULES = {  # function -> local time it fires (template.yaml)
    "MaturePointsFunction": "00:05",
    "ExpirePointsFunction": "00:15",
    "TierReviewFunction": "00:30",
    "ReminderEmailsFunction": "10:00",
}


def run_every_schedule(template: Template, day: str) -> dict[str, Any]:
    """Each daily schedule fires on ``day`` at its time, with the event EventBridge Scheduler sends."""
    results: dict[str, Any] = {}
    for function, time in SCHEDULES.items():
        moment: datetime = at(f"{day} {time}")
        clock.set_clock(lambda moment=moment: moment)
        results[function] = runtime.invoke(template, function, {"scheduled_time": moment.isoformat()})
    return results


def test_the_first_run_after_a_week_down_does_everything_due_once(jobs: str, template: Template) -> None:
    configure(pending_days=0)
    for member_id in ("m-old", "m-soon"):
        enroll(member_id, when="2025-11-30 10:00")
    for day, points in (("02", 30), ("03", 40), ("05", 50)):
        earn("m-old", f"o-old-{day}", points, f"2025-12-{day} 10:00")  # expire 2026-12-02, -03, -05
    earn("m-soon", "o-soon", 70, "2025-12-14 10:00")  # expires 2026-12-14: its reminder is due 2026-11-30
    configure(pending_days=14)
    enroll("m-new", when="2026-11-18 09:00")
    earn("m-new", "o-new", 100, "2026-11-18 10:00")  # pending until 2026-12-02

    # The schedules run until the 25th, then nothing runs from the 26th to the 2nd of December.
    before = run_every_schedule(template, "2026-11-25")
    assert before["ReminderEmailsFunction"]["remind_expiring"]["emails_sent"] == 1  # m-old: 12-02 to 12-05
    assert len(sent_emails()) == 1

    after = run_every_schedule(template, "2026-12-03")
    assert after["MaturePointsFunction"]["points_matured"] == 100
    assert after["ExpirePointsFunction"]["points_expired"] == 30  # 2026-12-02 has ended, 12-03 has not
    assert after["ReminderEmailsFunction"]["remind_expiring"]["emails_sent"] == 1  # m-soon, due on 11-30
    assert all(not counts.get("failures") for counts in _counts(after))
    assert members.get("m-new").points.available == 100
    assert held("m-old") == {"2026-12-03": 40, "2026-12-05": 50}
    assert sorted(mail.to.split("<")[-1].rstrip(">") for mail in sent_emails()) == [
        "m-old@example.com",
        "m-soon@example.com",
    ]

    snapshot = sorted(map(str, table_items(dynamodb())))
    again = run_every_schedule(template, "2026-12-03")
    assert not any(counts.get(name) for counts in _counts(again) for name in ("points_matured", "points_expired"))
    assert again["ReminderEmailsFunction"]["remind_expiring"].get("emails_sent", 0) == 0
    assert len(sent_emails()) == 2
    assert sorted(map(str, table_items(dynamodb()))) == snapshot  # not one item changed
    audit_clean()


def _counts(results: dict[str, Any]) -> list[dict[str, int]]:
    found = []
    for answer in results.values():
        found += list(answer.values()) if all(isinstance(value, dict) for value in answer.values()) else [answer]
    return found
