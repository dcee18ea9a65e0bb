"""Imports that finish or say why (issue 19, item 4), the file's side: the file read is the one the
upload event named, a file over the limit is refused before it is read, S3 failing past its retries
fails the import with the reason, and lines are checked for what the trigger cannot see (UTF-8) and
what the member would hold (no balance past 2^53 - 1). Each rejected line keeps its number; the rest
of the file is imported."""

from __future__ import annotations

import json
from typing import Any

import pytest

from harness.api import Api
from local.template import Template
from loyalty.adapters import uploads
from loyalty.services import import_files
from tests.auditing import audit_clean
from tests.engine.imports.test_bulk_import import member_row, members_in_table
from tests.engine.imports.test_import_queueing import queue_url, report, start
from tests.service.imports.aws_faults import fail_sends, no_backoff, record_calls, s3_error, sqs_error
from tests.service.imports.helpers import drain, lines_of, upload

MAX_SAFE = 2**53 - 1


def row(member_id: str, *points: int) -> dict[str, Any]:
    return {
        "member_id": member_id,
        "email": f"{member_id}@example.com",
        "lots": [{"points": p, "earned_on": "2026-03-01"} for p in points],
    }


def test_a_line_whose_points_pass_2_53_is_rejected_with_its_line_number(
    aws: str, template: Template, admin_api: Api, api: Api, ddb: Any
) -> None:
    body = lines_of(
        [row("big-0", MAX_SAFE), row("big-1", MAX_SAFE, MAX_SAFE), row("big-2", 2**52, 2**52), row("ok", 5)]
    )
    assert start(template, admin_api, "huge", body)["outcome"] == "queued"
    drain(template, queue_url())
    done = report(admin_api, "huge")
    assert (done["status"], done["imported"], done["rejected"]) == ("done", 2, 2)
    assert [error["line"] for error in done["errors"]] == [2, 3]
    assert all("2^53 - 1" in error["msg"] for error in done["errors"])
    table = members_in_table(ddb)
    assert int(table["big-0"]["profile"]["available"]) == MAX_SAFE  # the largest balance there may be
    assert "big-1" not in table and "big-2" not in table
    assert api.get("/v1/members/big-1").status == 404
    audit_clean()


def test_a_line_whose_points_value_passes_2_53_is_rejected(
    aws: str, template: Template, admin_api: Api, api: Api
) -> None:
    program = admin_api.get("/v1/admin/program").body
    program["point_value_minor"] = 4  # 2^51 points are then worth 2^53 minor units in the books
    assert admin_api.put("/v1/admin/program", program).status == 200
    assert (
        start(template, admin_api, "worth", lines_of([row("rich", 2**51), row("fine", 2**50)]))["outcome"] == "queued"
    )
    drain(template, queue_url())
    done = report(admin_api, "worth")
    assert (done["imported"], [e["line"] for e in done["errors"]]) == (1, [1])
    assert "value" in done["errors"][0]["msg"]
    audit_clean()


def test_a_line_that_is_not_utf8_is_rejected_with_its_line_number_and_the_rest_imported(
    aws: str, template: Template, admin_api: Api, api: Api, ddb: Any
) -> None:
    latin1 = json.dumps({"member_id": "zoe", "email": "zoe@example.com", "name": "Zoë"}, ensure_ascii=False)
    body = b"\xef\xbb\xbf" + lines_of([member_row(1)]) + latin1.encode("latin-1") + b"\n" + lines_of([member_row(2)])
    assert start(template, admin_api, "latin", body)["outcome"] == "queued"  # a BOM first: a spreadsheet's
    drain(template, queue_url())
    done = report(admin_api, "latin")
    assert (done["status"], done["rows"], done["imported"], done["rejected"]) == ("done", 3, 2, 1)
    assert done["errors"] == [{"line": 2, "msg": "not UTF-8 text (save the file as UTF-8)"}]
    assert api.get("/v1/members/zoe").status == 404  # not imported with a mangled name
    assert set(members_in_table(ddb)) == {"imp-00001", "imp-00002"}
    audit_clean()


def test_a_file_that_is_not_utf8_text_fails_and_the_same_import_takes_it_saved_as_utf8(
    aws: str, template: Template, admin_api: Api, api: Api
) -> None:
    text = lines_of([member_row(1), member_row(2)]).decode()
    answer = start(template, admin_api, "unicode", ("\ufeff" + text).encode("utf-16-le"))
    assert answer["outcome"] == "failed"
    failed = report(admin_api, "unicode")
    assert failed["status"] == "failed" and "UTF-16" in failed["reason"] and "UTF-8" in failed["reason"]
    assert start(template, admin_api, "unicode", text.encode())["outcome"] == "queued"  # the same import
    drain(template, queue_url())
    done = report(admin_api, "unicode")
    assert (done["status"], done.get("reason"), done["imported"]) == ("done", None, 2)


def test_a_file_over_the_limit_is_refused_before_it_is_read(
    aws: str, template: Template, admin_api: Api, api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(import_files, "MAX_FILE_BYTES", 1_000)
    reads = record_calls(uploads._client(), "GetObject")
    body = lines_of(member_row(n) for n in range(5))
    assert len(body) > 1_000
    assert start(template, admin_api, "big", body)["outcome"] == "failed"
    assert reads.calls == []  # refused by the event's size
    failed = report(admin_api, "big")
    assert failed["status"] == "failed"
    assert (
        failed["reason"]
        == f"the file is {len(body)} bytes; an import takes at most 1000: split it into several imports"
    )
    # A file within the limit, to the same import (a fresh URL: the import has no file yet).
    assert start(template, admin_api, "big", lines_of([member_row(1)]))["outcome"] == "queued"
    drain(template, queue_url())
    assert report(admin_api, "big")["status"] == "done"


def test_the_file_read_is_the_one_the_upload_event_named(
    aws: str, template: Template, admin_api: Api, api: Api
) -> None:
    created = admin_api.post("/v1/admin/imports", {"import_id": "pinned"}).body
    first = lines_of([member_row(1)])
    bucket, key, first_etag = upload(created["upload_url"], first)
    _, _, second_etag = upload(created["upload_url"], lines_of([member_row(2), member_row(3)]))
    # The first upload's event comes after the second upload: its file is gone, the import waits for
    # the second one's event.
    assert import_files.file_arrived(bucket, key, first_etag, len(first)).outcome == "replaced"
    assert report(admin_api, "pinned")["status"] == "waiting"
    assert import_files.file_arrived(bucket, key, second_etag).outcome == "queued"
    # A third upload over a running import changes nothing in it, and its event is refused.
    _, _, third_etag = upload(created["upload_url"], lines_of([member_row(4)]))
    assert import_files.file_arrived(bucket, key, third_etag).outcome == "other_file"
    assert import_files.file_arrived(bucket, key, second_etag).outcome == "replaced"  # its event again
    drain(template, queue_url())
    done = report(admin_api, "pinned")
    assert (done["status"], done["rows"], done["imported"]) == ("done", 2, 2)
    assert [api.get(f"/v1/members/imp-0000{n}").status for n in (1, 2, 3, 4)] == [404, 200, 200, 404]


def test_a_trigger_retried_after_the_file_was_replaced_fails_the_import_with_the_reason(
    aws: str, template: Template, admin_api: Api, api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    created = admin_api.post("/v1/admin/imports", {"import_id": "swapped"}).body
    bucket, key, etag = upload(created["upload_url"], lines_of([member_row(1)]))
    no_backoff(monkeypatch)
    # The first run dies while sending (SQS unreachable past its retries) ...
    fail_sends(import_files.imports_queue._client(), "SendMessageBatch", sqs_error("InternalError", status=500), 99)
    assert import_files.file_arrived(bucket, key, etag).outcome == "failed"
    # ... and by the time the same file's event comes again, another upload replaced it.
    upload(created["upload_url"], lines_of([member_row(2)]))
    assert import_files.file_arrived(bucket, key, etag).outcome == "replaced"
    failed = report(admin_api, "swapped")
    assert failed["status"] == "failed", failed
    assert "could not be queued: SQS answered InternalError" in failed["reason"]


@pytest.mark.parametrize(("code", "status"), [("SlowDown", 503), ("InternalError", 500), ("AccessDenied", 403)])
def test_s3_failing_past_its_retries_fails_the_import_and_the_same_file_again_finishes_it(
    aws: str,
    template: Template,
    admin_api: Api,
    api: Api,
    ddb: Any,
    monkeypatch: pytest.MonkeyPatch,
    code: str,
    status: int,
) -> None:
    no_backoff(monkeypatch)
    injected = fail_sends(uploads._client(), "GetObject", s3_error(code, status), times=99)
    body = lines_of(member_row(n) for n in range(3))
    answer = start(template, admin_api, "s3-down", body)
    assert answer["outcome"] == "failed" and injected.fired >= 1
    failed = report(admin_api, "s3-down")
    assert failed["status"] == "failed" and code in failed["reason"], failed
    injected.fired = 99  # S3 heals; the same file uploaded again to the same import
    assert start(template, admin_api, "s3-down", body)["outcome"] == "queued"
    drain(template, queue_url())
    done = report(admin_api, "s3-down")
    assert (done["status"], done.get("reason"), done["imported"]) == ("done", None, 3)
    assert all(len(m["entries"]) == 1 for m in members_in_table(ddb).values())
    audit_clean()


def test_s3_failing_once_is_retried_and_the_import_finishes(
    aws: str, template: Template, admin_api: Api, api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    no_backoff(monkeypatch)
    injected = fail_sends(uploads._client(), "GetObject", s3_error("SlowDown", 503), times=2)
    assert start(template, admin_api, "s3-blip", lines_of([member_row(1)]))["outcome"] == "queued"
    assert injected.fired == 2
    drain(template, queue_url())
    assert report(admin_api, "s3-blip")["status"] == "done"
