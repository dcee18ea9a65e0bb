"""Bulk import (issue 16, item 3), driven as AWS drives it: POST /v1/admin/imports, the file PUT to the
presigned URL (moto's S3), the bucket's event (its AWS shape) to ImportTriggerFunction, the imports
queue delivered to ImportWorkerFunction, GET /v1/admin/imports/{import_id}.

On DynamoDB Local the big test imports 300 members with 3 lots each (three chunks, so the fan-out runs;
2,000 took 35 s and 10,000 about 3 minutes on this shared 2-core machine, over the suite's budget:
IMPORT_TEST_MEMBERS=10000 runs the issue's size); on moto 20 (one chunk).
"""

from __future__ import annotations

import os
import time
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

import boto3
import pytest
from botocore.config import Config

import audit
from harness.api import Api
from local import runtime
from local.template import Template
from loyalty.models.imports import ImportChunk
from loyalty.services import import_files, imports
from loyalty.store import imports as import_store
from loyalty.store.client import from_item
from loyalty.store.member_record import MemberRecord
from tests.auditing import audit_clean
from tests.service.imports.helpers import drain, lines_of, run_import, s3_event, upload

TIERS = ("Bronze", "Silver", "Gold")


def member_row(n: int) -> dict[str, Any]:
    """Member n: 3 lots earned in 2026 (the suite's clock is 30 Nov 2026), each with its own expiry
    day in 2027 (two in the same month, so lots share a month item), one left to the program's rule."""
    earned = date(2026, 1, 1) + timedelta(days=n % 300)
    return {
        "member_id": f"imp-{n:05d}",
        "email": f"member{n}@example.com",
        "name": f"Member {n}",
        "marketing_opt_in": n % 2 == 0,
        "tier": TIERS[n % 3],
        "enrolled_at": "2025-03-01T10:00:00Z",
        "lots": [
            {"points": 100 + n % 50, "earned_on": earned.isoformat(), "expires_on": f"2027-0{1 + n % 9}-1{n % 10}"},
            {"points": 40, "earned_on": earned.isoformat(), "expires_on": f"2027-0{1 + n % 9}-2{n % 9}"},
            {"points": 7 + n % 5, "earned_on": earned.isoformat()},  # the program's 12 months from earned_on
        ],
    }


def expected_lots(row: dict[str, Any]) -> dict[str, int]:
    days: dict[str, int] = defaultdict(int)
    for lot in row["lots"]:
        day = lot.get("expires_on")
        if day is None:
            earned = date.fromisoformat(lot["earned_on"])
            day = earned.replace(year=earned.year + 1).isoformat()
        days[day] += lot["points"]
    return dict(days)


def queue_url() -> str:
    return os.environ["IMPORTS_QUEUE_URL"]


def patient_client() -> Any:
    """A DynamoDB client that waits for DynamoDB Local's big Scan pages on a busy machine (the layer's
    gives up after 5 s)."""
    return boto3.client("dynamodb", config=Config(read_timeout=120, retries={"mode": "standard", "max_attempts": 5}))


def table_items(_: Any = None) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    pages = (
        patient_client()
        .get_paginator("scan")
        .paginate(TableName=os.environ["TABLE_NAME"], PaginationConfig={"PageSize": 2000})
    )
    for page in pages:
        items.extend(page["Items"])
    return items


@pytest.fixture
def patient_audit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(audit, "dynamodb", patient_client)


def members_in_table(ddb: Any) -> dict[str, dict[str, Any]]:
    """member_id -> its profile, lots by day and import entries, from one Scan."""
    found: dict[str, dict[str, Any]] = defaultdict(lambda: {"lots": {}, "entries": []})
    for raw in table_items(ddb):
        item = from_item(raw)
        pk, sk = str(item["PK"]), str(item["SK"])
        if pk.startswith("MEMBER#") and sk == "PROFILE":
            found[pk[7:]]["profile"] = item
        elif pk.startswith("MEMBER#") and sk.startswith("PROFILE#LOT#"):
            month = sk.removeprefix("PROFILE#LOT#")
            for name, value in item.items():
                if len(name) == 3 and name[0] == "d":
                    found[pk[7:]]["lots"][f"{month}-{name[1:]}"] = int(value)
        elif item.get("kind") == "import":
            found[str(item["member_id"])]["entries"].append(item)
    return dict(found)


def snapshot(ddb: Any) -> list[Any]:
    """Every item but the imports' own bookkeeping (and the profile's outbox time, untouched anyway)."""
    items = [from_item(raw) for raw in table_items(ddb)]
    return sorted(
        (repr(sorted(item.items())) for item in items if not str(item["PK"]).startswith("IMPORT#")),
    )


@pytest.mark.engine  # 300 members on DynamoDB Local: three chunks, transactions of the real engine
def test_an_import_brings_balances_expiry_days_and_tiers_and_the_same_file_again_changes_nothing(
    aws: str, template: Template, admin_api: Api, api: Api, ddb: Any, patient_audit: None
) -> None:
    count = int(os.environ.get("IMPORT_TEST_MEMBERS") or (300 if aws == "dynamodb-local" else 20))
    rows = [member_row(n) for n in range(count)]
    body = lines_of(rows)

    started = time.monotonic()
    report = run_import(template, admin_api, "migration-1", body, queue_url())
    print(f"imported {count} members with 3 lots each on {aws} in {time.monotonic() - started:.1f} s")
    assert report == {
        "import_id": "migration-1",
        "status": "done",
        "reason": None,  # only a failed import has one
        "rows": count,
        "imported": count,
        "rejected": 0,
        "errors": [],
    }
    table = members_in_table(ddb)
    for row in rows:
        held = table[row["member_id"]]
        lots = expected_lots(row)
        profile = held["profile"]
        assert held["lots"] == lots, row["member_id"]
        assert int(profile["available"]) == sum(lots.values()) == int(profile["lifetime_earned"])
        assert profile["tier"] == row["tier"] and MemberRecord.from_item(profile).consent_source == "import"
        assert profile["marketing_opt_in"] is row["marketing_opt_in"]
        assert profile["GSI5SK"] <= min(lots)  # the expiry job finds it no later than its soonest points
        [entry] = held["entries"]
        assert int(entry["entry_points"]) == sum(lots.values()) and entry["reason"] == "import"

    # What a client sees is what the file says, and the member's activity explains the points.
    row = rows[7]
    member = api.get(f"/v1/members/{row['member_id']}").body
    assert member["tier"]["name"] == row["tier"] and member["email"] == row["email"]
    assert member["points"]["available"] == sum(lot["points"] for lot in row["lots"])
    assert [(e["expires_on"], e["points"]) for e in member["expiring"]] == sorted(expected_lots(row).items())
    [entry] = api.get(f"/v1/members/{row['member_id']}/activity").body["items"]
    assert (entry["kind"], entry["reason"], entry["points"]) == ("import", "import", member["points"]["available"])
    audit_clean()
    before = snapshot(ddb)

    # The same event again (S3 delivers at least once), and the same file uploaded again: nothing.
    created = admin_api.post("/v1/admin/imports", {"import_id": "migration-1"})
    assert created.status == 409, created.body  # this import has its file
    bucket, key, etag = upload(admin_api_upload_url(template, "migration-1"), body)
    again = runtime.invoke(template, "ImportTriggerFunction", s3_event(bucket, key, etag, len(body)))
    assert again["imports"][0]["outcome"] == "queued"
    drain(template, queue_url())
    assert admin_api.get("/v1/admin/imports/migration-1").body == report
    assert snapshot(ddb) == before

    # The same members under another import (the first 150 lines of the file, to keep the run short): each
    # exists already, each line says so, nothing changes.
    again_rows = min(count, 150)
    part = lines_of(rows[:again_rows])
    second = run_import(template, admin_api, "migration-2", part, queue_url())
    assert (second["status"], second["rows"], second["imported"], second["rejected"]) == (
        "done",
        again_rows,
        0,
        again_rows,
    )
    assert len(second["errors"]) == min(count, 100)  # at most the first 100 shown; `rejected` counts them all
    assert second["errors"][0] == {"line": 1, "msg": "member_id: a member with this id exists already"}
    assert [error["line"] for error in second["errors"]] == list(range(1, min(count, 100) + 1))
    assert snapshot(ddb) == before
    audit_clean()


def admin_api_upload_url(template: Template, import_id: str) -> str:
    """A presigned URL for an import's key, as POST would hand out (the route refuses a second one once
    the file is there)."""
    from loyalty.adapters import uploads

    return uploads.upload_url(imports.object_key(import_id))


def test_bad_lines_are_reported_by_line_number_and_the_rest_is_imported(
    aws: str, template: Template, admin_api: Api, api: Api, ddb: Any, patient_audit: None
) -> None:
    rows: list[Any] = [member_row(n) for n in range(20)]
    rows[3] = '{"member_id": "broken", '  # line 4: not JSON
    rows[8] = {**member_row(8), "tier": "Platinum"}  # line 9: no such tier
    rows[14] = {**member_row(14), "lots": [{"points": -5, "earned_on": "2026-02-01"}]}  # line 15
    rows.insert(10, "")  # a blank line is no row, but it counts as a line: the bad ones are 4, 9 and 16
    report = run_import(template, admin_api, "with-bad-lines", lines_of(rows), queue_url())
    assert (report["status"], report["rows"], report["imported"], report["rejected"]) == ("done", 20, 17, 3)
    assert report["errors"] == [
        {"line": 4, "msg": "not JSON"},
        {"line": 9, "msg": "tier: the program has no tier 'Platinum' (it has Bronze, Silver, Gold)"},
        {"line": 16, "msg": "lots.0.points: Input should be greater than or equal to 1"},
    ]
    table = members_in_table(ddb)
    assert "imp-00008" not in table and "imp-00014" not in table
    assert int(table["imp-00019"]["profile"]["available"]) == sum(expected_lots(member_row(19)).values())
    audit_clean()


def test_a_chunk_that_crashed_after_some_members_is_resumed_without_counting_anything_twice(
    aws: str, template: Template, admin_api: Api, api: Api, ddb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IMPORT_CHUNK_LINES", "4")
    from loyalty import settings

    settings.reset()
    rows = [member_row(n) for n in range(10)]
    created = admin_api.post("/v1/admin/imports", {"import_id": "crashy"}).body
    bucket, key, etag = upload(created["upload_url"], lines_of(rows))
    assert import_files.file_arrived(bucket, key, etag).chunks == 3
    # The first delivery of chunk 0 imports its members, then dies before its counts are added.
    real = import_store.chunk_done
    calls = {"n": 0}

    def crash_once(*args: Any, **kwargs: Any) -> bool:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("the function timed out")
        return real(*args, **kwargs)

    monkeypatch.setattr(import_store, "chunk_done", crash_once)
    with pytest.raises(RuntimeError):
        imports.work_chunk(_chunk0(rows))
    assert admin_api.get("/v1/admin/imports/crashy").body["status"] == "running"
    drain(template, queue_url())  # every chunk, the crashed one again
    report = admin_api.get("/v1/admin/imports/crashy").body
    assert (report["status"], report["imported"], report["rejected"]) == ("done", 10, 0)
    table = members_in_table(ddb)
    assert all(len(table[row["member_id"]]["entries"]) == 1 for row in rows)
    audit_clean()


def _chunk0(rows: list[dict[str, Any]]) -> ImportChunk:
    return ImportChunk(import_id="crashy", chunk=0, first_line=1, lines=lines_of(rows[:4]).decode().splitlines())


def test_the_trigger_refuses_another_file_for_an_import_that_has_one(
    aws: str, template: Template, admin_api: Api, api: Api
) -> None:
    created = admin_api.post("/v1/admin/imports", {"import_id": "one-file"})
    assert created.status == 201 and created.headers["location"] == "/v1/admin/imports/one-file"
    assert admin_api.get("/v1/admin/imports/one-file").body["status"] == "waiting"
    bucket, key, etag = upload(created.body["upload_url"], lines_of([member_row(1)]))
    assert import_files.file_arrived(bucket, key, etag).outcome == "queued"
    _, _, other = upload(admin_api_upload_url(template, "one-file"), lines_of([member_row(2)]))
    assert import_files.file_arrived(bucket, key, other).outcome == "other_file"
    assert import_files.file_arrived(bucket, "imports/nobody.jsonl", etag).outcome == "missing"  # no such file
    nobody = boto3.client("s3").put_object(Bucket=bucket, Key="imports/nobody.jsonl", Body=b"{}\n")["ETag"]
    assert import_files.file_arrived(bucket, "imports/nobody.jsonl", nobody.strip('"')).outcome == "unknown"
    assert import_files.file_arrived(bucket, "elsewhere/x.csv", etag).outcome == "not_an_import"
    assert admin_api.get("/v1/admin/imports/nobody").status == 404
    boto3.client("sqs").purge_queue(QueueUrl=queue_url())
