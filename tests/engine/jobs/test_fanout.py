"""Fan-out: a run that reaches its budget hands the shards it did not finish to the jobs queue (with the
key to resume from), and the jobs worker (the real handler) works through them, queueing the rest of a
shard again when its own budget runs out. The outcome equals one run that does everything inline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from local import runtime
from local.template import Template
from loyalty import settings
from loyalty.adapters import clock
from loyalty.services import members
from loyalty.store import due_index, keys
from tests import sqs
from tests.service.jobs.conftest import earn, enroll, queued_messages, run

# The engine decides these outcomes (transactions, conditions, index queries): moto and DynamoDB Local.
pytestmark = pytest.mark.engine

MEMBERS = 40


def drain(template: Template, limit: int = 500) -> int:
    """Deliver queued job messages to JobsWorkerFunction until the queue is empty; how many were handled."""
    handled = 0
    while handled < limit:
        messages = queued_messages()
        if not messages:
            return handled
        for body in messages:
            result = runtime.invoke(template, "JobsWorkerFunction", sqs.batch(sqs.record(body)))
            assert result == {"batchItemFailures": []}, result
            handled += 1
    raise AssertionError("the jobs queue never emptied")


def test_a_run_beyond_its_budget_fans_out_through_the_queue_and_finishes(
    jobs: str, template: Template, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Pages of 3 and budgets of 4 items make a small day behave like a huge one.
    monkeypatch.setattr(due_index, "PAGE_SIZE", 3)
    monkeypatch.setenv("JOB_BATCH_ITEMS", "4")
    settings.reset()
    ids = [f"m-{i:03d}" for i in range(MEMBERS)]
    for member_id in ids:
        enroll(member_id)
        earn(member_id, f"o-{member_id}", 100, "2026-11-22 10:00")
    shards = {keys.shard_of(member_id) for member_id in ids}
    assert len(shards) > 8  # the members spread over the shards

    counts = run("expire", "2027-11-23 00:15", items=4)
    assert counts["days_expired"] in (3, 4, 6)  # one page or two, then the budget is spent
    assert counts["shards_queued"] > 0
    queued = queued_messages()
    assert all(message["job"] == "expire" and message["scheduled_time"].startswith("2027-11-23") for message in queued)
    assert len({m["shard"] for m in queued}) == len(queued) == counts["shards_queued"]
    resumed = [message for message in queued if message["start"] is not None]
    assert len(resumed) <= 1  # only the shard it stopped in carries a key to resume from

    sqs_messages = [sqs.record(message) for message in queued]
    for record in sqs_messages:
        result = runtime.invoke(template, "JobsWorkerFunction", sqs.batch(record))
        assert result == {"batchItemFailures": []}
    drain(template)

    assert all(members.get(member_id).points.available == 0 for member_id in ids)
    again = run("expire", "2027-11-23 00:15")
    assert again["items_read"] == 0


def test_a_malformed_job_message_fails_alone(jobs: str, template: Template) -> None:
    good: dict[str, Any] = {
        "job": "expire",
        "scheduled_time": "2027-11-23T05:15:00Z",
        "shard": 3,
        "start": None,
    }
    clock.set_clock(lambda: datetime.fromisoformat("2027-11-23T05:15:00Z"))
    bad = sqs.record({**good, "job": "unknown"})
    result = runtime.invoke(template, "JobsWorkerFunction", sqs.batch(sqs.record(good), bad))
    assert result == {"batchItemFailures": [{"itemIdentifier": bad["messageId"]}]}
