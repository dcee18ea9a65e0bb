"""``python -m local.importer FILE`` (``make import FILE=members.jsonl``): a bulk import into the running
local stack, as a shop would run one against a deployment.

It starts the import (``POST /v1/admin/imports``; the import id is the file's digest unless IMPORT_ID
says otherwise, so the same file again is the same import and changes nothing), PUTs the file to the
presigned URL (moto's S3, whose notification the stack hands ImportTriggerFunction, as S3 does when
deployed: see local/s3_events.py), follows ``GET /v1/admin/imports/{import_id}`` with a progress bar
while the stack's poller feeds the chunks to ImportWorkerFunction, and prints the final report. The
admin key is the value of LOYALTY_ADMIN_KEY (the one the stack was started with) or ADMIN_KEY.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, TextIO

from local import state

BAR_WIDTH = 40
POLL_SECONDS = 0.5


def _call(method: str, url: str, key: str, body: Any = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 - the local stack's own URL
    request.add_header("Authorization", f"Bearer {key}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
            return answer.status, json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def _put(url: str, body: bytes) -> str:
    """PUT the file to the presigned URL; its ETag."""
    request = urllib.request.Request(url, data=body, method="PUT")  # noqa: S310 - moto's S3 on loopback
    # urllib would say application/x-www-form-urlencoded, and moto's server would then parse the body
    # as a form and store nothing. The URL signs no header: any type is accepted.
    request.add_header("Content-Type", "application/octet-stream")
    with urllib.request.urlopen(request, timeout=120) as answer:  # noqa: S310
        return str(answer.headers.get("ETag", "")).strip('"')


def bar(done: int, total: int, width: int = BAR_WIDTH) -> str:
    share = 1.0 if total == 0 else min(done / total, 1.0)
    filled = round(share * width)
    return f"[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {share:4.0%}"


def follow(api: str, key: str, import_id: str, out: TextIO, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        status, report = _call("GET", f"{api}/v1/admin/imports/{import_id}", key)
        if status != 200:
            raise RuntimeError(f"GET /v1/admin/imports/{import_id} answered {status}: {report}")
        done = report["imported"] + report["rejected"]
        out.write(f"\r{report['status']:<8} {bar(done, report['rows'])}")
        out.flush()
        if report["status"] in ("done", "failed"):
            out.write("\n")
            return dict(report)
        if time.monotonic() > deadline:
            out.write("\n")
            raise TimeoutError(f"the import is still {report['status']} after {timeout:.0f} s")
        time.sleep(POLL_SECONDS)


def render(report: dict[str, Any]) -> str:
    lines = [
        f"Import {report['import_id']}: {report['status']}, {report['rows']} rows, "
        f"{report['imported']} imported, {report['rejected']} rejected"
    ]
    if report.get("reason"):
        lines.append(f"  failed: {report['reason']}")
    lines += [f"  line {error['line']}: {error['msg']}" for error in report["errors"]]
    if report["rejected"] > len(report["errors"]):
        lines.append(f"  ... and {report['rejected'] - len(report['errors'])} more (the report lists the first ones)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.importer", description=__doc__)
    parser.add_argument("file", type=Path, help="the JSON lines file, one member a line")
    parser.add_argument("--import-id", default=os.environ.get("IMPORT_ID") or None)
    parser.add_argument("--timeout", type=float, default=float(os.environ.get("IMPORT_TIMEOUT") or 1800))
    args = parser.parse_args(argv)
    key = os.environ.get("ADMIN_KEY") or os.environ.get("LOYALTY_ADMIN_KEY")
    if not key:
        print("Set LOYALTY_ADMIN_KEY (or ADMIN_KEY) to the local stack's admin key.", file=sys.stderr)
        return 2
    try:
        stack = state.read()
        body = args.file.read_bytes()
    except (RuntimeError, OSError) as error:
        print(error, file=sys.stderr)
        return 1
    import_id = args.import_id or "file-" + hashlib.sha256(body).hexdigest()[:16]
    api = str(stack["api_url"])
    status, created = _call("POST", f"{api}/v1/admin/imports", key, {"import_id": import_id})
    if status == 409:
        print(f"Import {import_id} has its file already: its report follows.")
    elif status in (200, 201):
        _put(created["upload_url"], body)
        print(f"Uploaded {args.file} ({len(body)} bytes) as import {import_id}")
    else:
        print(f"POST /v1/admin/imports answered {status}: {created}", file=sys.stderr)
        return 1
    report = follow(api, key, import_id, sys.stdout, args.timeout)
    print(render(report))
    return 1 if report["status"] == "failed" else 0


if __name__ == "__main__":
    sys.exit(main())
