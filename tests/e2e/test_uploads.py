"""The local stack as `make run` starts it: a file PUT to an import's ``upload_url`` by any HTTP client
(here http.client, as curl would) starts the import, as S3's notification does when deployed."""

from __future__ import annotations

import http.client
import json
import time
from typing import Any
from urllib.parse import urlsplit

from harness.programs import program_document
from harness.stack import LocalStack
from tests.e2e.conftest import stop_promptly


def put_as_curl_would(url: str, body: bytes) -> int:
    """``curl -T members.jsonl "$upload_url"``: a bare PUT, no headers of ours."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.netloc, timeout=30)
    connection.request("PUT", f"{parts.path}?{parts.query}", body=body)
    status = connection.getresponse().status
    connection.close()
    return status


def wait_for(stack: LocalStack, import_id: str, statuses: tuple[str, ...], seconds: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while True:
        status, report = stack.call("GET", f"/v1/admin/imports/{import_id}")
        assert status == 200, report
        if report["status"] in statuses:
            return dict(report)
        assert time.monotonic() < deadline, f"the import is still {report['status']}: {report}"
        time.sleep(0.3)


def test_a_put_to_the_upload_url_by_any_client_starts_the_import(stack: LocalStack) -> None:
    assert stack.call("PUT", "/v1/admin/program", program_document())[0] == 200
    status, created = stack.call("POST", "/v1/admin/imports", {"import_id": "by-curl"})
    assert status == 201, created
    rows = [
        {"member_id": "curl-1", "email": "one@example.com", "lots": [{"points": 120, "earned_on": "2026-01-05"}]},
        {"member_id": "curl-2", "email": "two@example.com"},
        {"member_id": "curl-3", "email": "not an email"},
    ]
    body = "".join(json.dumps(row) + "\n" for row in rows).encode()
    assert put_as_curl_would(created["upload_url"], body) == 200
    report = wait_for(stack, "by-curl", ("done", "failed"))
    assert (report["status"], report["rows"], report["imported"], report["rejected"]) == ("done", 3, 2, 1)
    assert report["errors"][0]["line"] == 3
    status, member = stack.call("GET", "/v1/members/curl-1")
    assert status == 200 and member["points"]["available"] == 120, member
    # An oversized or unreadable file fails the import with the reason, on the local stack too.
    status, created = stack.call("POST", "/v1/admin/imports", {"import_id": "utf16"})
    assert (
        put_as_curl_would(created["upload_url"], "\ufeff".encode("utf-16-le") + body.decode().encode("utf-16-le"))
        == 200
    )
    report = wait_for(stack, "utf16", ("done", "failed"))
    assert report["status"] == "failed" and "UTF-16" in report["reason"], report
    code, _, err = stop_promptly(stack)
    assert code == 0, err
