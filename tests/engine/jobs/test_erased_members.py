"""The daily jobs and an erased member: it left every due index with its erasure, so no job reads it
again; its pending points were forfeited with its balance, so the order leaves the maturing index
without crediting anything, and no email is ever sent to it."""

from __future__ import annotations

import pytest

from loyalty.adapters import clock
from loyalty.models.member import MemberPatch
from loyalty.services import adjustments, members, privacy
from loyalty.store import keys
from loyalty.store.client import dynamodb, from_item, table_name, to_item
from tests.auditing import audit_clean
from tests.service.jobs.conftest import at, configure, earn, enroll, profile, run, sent_emails

# The engine decides these outcomes (transactions, conditions, index queries): moto and DynamoDB Local.
pytestmark = pytest.mark.engine

ADMIN = adjustments.Actor(key_id="key_0123456789abcdef", label="privacy desk")
DUE_KEYS = {f"GSI{n}{part}" for n in range(3, 7) for part in ("PK", "SK")}


def _order(order_id: str) -> dict[str, object]:
    stored = dynamodb().get_item(TableName=table_name(), Key=to_item(keys.order(order_id)), ConsistentRead=True)
    return from_item(stored["Item"])


def test_jobs_skip_an_erased_member_and_its_pending_points_never_mature(jobs: str) -> None:
    configure(pending_days=14)
    enroll("m-1", name="Ada")
    enroll("m-2", name="Grace")
    earn("m-1", "o-1", 300, "2026-11-01 10:00")  # pending until 15 Nov
    earn("m-1", "o-2", 500, "2026-11-22 10:00")  # pending until 6 Dec
    earn("m-2", "o-3", 400, "2026-11-22 10:00")
    run("mature", "2026-11-15 00:05")
    members.update("m-1", MemberPatch(marketing_opt_in=True))
    assert members.get("m-1").points.model_dump()["available"] == 300
    assert profile("m-1").keys() & DUE_KEYS

    clock.set_clock(lambda: at("2026-11-23 09:00"))
    privacy.erase("m-1", ADMIN)
    erased = members.get("m-1")
    assert erased.status == "erased" and (erased.points.available, erased.points.pending) == (0, 0)
    [forfeit] = [e for e in privacy.export("m-1").activity if e.reason == "erasure"]
    assert forfeit.points == -800 and forfeit.key_id == ADMIN.key_id
    assert profile("m-1").keys() & DUE_KEYS == set(), "the erased member left every due index"

    counts = run("mature", "2026-12-06 00:05")
    assert counts["orders_matured"] == 1 and counts["orders_of_erased_members"] == 1 and not counts["failures"]
    assert members.get("m-1").points.available == 0 and members.get("m-2").points.available == 400
    order = _order("o-2")
    assert order["pending_left"] == 0 and "GSI2PK" not in order
    assert run("mature", "2026-12-07 00:05")["orders_of_erased_members"] == 0  # out of the index for good

    # A year on, every job has run over the days the member would have been due: none touched it.
    for job, when in (
        ("remind_expiring", "2027-11-08 10:00"),
        ("remind_dormant", "2027-03-01 10:00"),
        ("tier_review", "2027-11-23 00:30"),
    ):
        assert not run(job, when)["failures"]
    expired = run("expire", "2027-11-23 00:15")
    assert (expired["members_read"], expired["skipped_inactive_members"]) == (1, 0)  # m-2 alone
    assert members.get("m-2").points.available == 0
    assert all(sent.to != "m-1@example.com" for sent in sent_emails())
    assert members.get("m-1").points.available == 0
    assert [e.reason for e in privacy.export("m-1").activity].count("erasure") == 1
    audit_clean()
