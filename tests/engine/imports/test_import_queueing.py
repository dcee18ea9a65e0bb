"""Imports that finish or say why (issue 19, item 4): the file's chunks fit what SQS takes, SQS's
refusals and throttles end the import done or failed with the reason, and a chunk that fails on its
last receive fails the import until its redrive finishes it. Nothing is lost or counted twice, and the
audit is clean afterwards."""

from __future__ import annotations

import json
import os
from typing import Any

import boto3
import pytest

from harness.api import Api
from local import runtime
from local.poller import sqs_record
from local.template import Template
from loyalty import settings
from loyalty.adapters import imports_queue
from loyalty.services import imports
from tests.auditing import audit_clean
from tests.engine.faults.test_faults import FAULTS
from tests.engine.imports.test_bulk_import import member_row, members_in_table
from tests.service.faults.harness import Fault, Faults
from tests.service.imports.aws_faults import fail_sends, fail_taken_entries, no_backoff, record_calls, sqs_error
from tests.service.imports.helpers import lines_of, s3_event, upload

SQS_MESSAGE_LIMIT = 262_144  # 256 KiB: what SendMessageBatch takes per message and per batch


def padded(n: int, size: int) -> str:
    """Member n's line, ``size`` bytes long: JSON's own whitespace (an export that pretty-prints)."""
    line = json.dumps(member_row(n))
    return line[:-1] + " " * (size - len(line)) + "}"


def chunk_lines(monkeypatch: pytest.MonkeyPatch, lines: int) -> None:
    monkeypatch.setenv("IMPORT_CHUNK_LINES", str(lines))
    settings.reset()


def queue_url() -> str:
    return os.environ["IMPORTS_QUEUE_URL"]


def start(template: Template, admin: Api, import_id: str, body: bytes) -> dict[str, Any]:
    """Create the import, PUT its file, run the trigger with S3's event; the trigger's answer."""
    created = admin.post("/v1/admin/imports", {"import_id": import_id})
    assert created.status in (200, 201), created.body
    bucket, key, etag = upload(created.body["upload_url"], body)
    answer: dict[str, Any] = runtime.invoke(template, "ImportTriggerFunction", s3_event(bucket, key, etag, len(body)))
    return answer["imports"][0]


def work(template: Template, url: str) -> int:
    """Deliver the queue to the worker as Lambda does (a message a time, its receive count in its
    attributes); a failed message comes back at once (its visibility reset) until SQS dead-letters it
    after maxReceiveCount receives. Returns how many deliveries failed."""
    sqs = boto3.client("sqs")
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    failures = 0
    while True:
        messages = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0, MessageSystemAttributeNames=["All"]
        ).get("Messages", [])
        if not messages:
            return failures
        for message in messages:
            try:
                result = runtime.invoke(template, "ImportWorkerFunction", {"Records": [sqs_record(message, arn)]})
                failed = bool(result["batchItemFailures"])
            except Exception:  # every record failed: powertools raises, Lambda retries the batch
                failed = True
            if failed:
                failures += 1
                sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0)
            else:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def report(admin: Api, import_id: str) -> dict[str, Any]:
    answer = admin.get(f"/v1/admin/imports/{import_id}")
    assert answer.status == 200, answer.body
    return dict(answer.body)


def assert_each_imported_once(ddb: Any, count: int) -> None:
    table = members_in_table(ddb)
    for n in range(count):
        member = table[f"imp-{n:05d}"]
        assert len(member["entries"]) == 1, n
        assert int(member["profile"]["available"]) == sum(lot["points"] for lot in member_row(n)["lots"])
    assert len([m for m in table.values() if "profile" in m]) == count


# 100 members: on DynamoDB Local (2 s); moto copies the table on every transaction (4 minutes).
@pytest.mark.engine
@pytest.mark.parametrize("aws", ["dynamodb-local"], indirect=True)
def worked_to_the_end(template: Template, admin_api: Api, ddb: Any, import_id: str, imported: int) -> dict[str, Any]:
    """The worker takes every chunk without a failure: the import is done, each of its ``imported`` members
    imported once, the audit clean. Its report, for what else a test checks."""
    assert work(template, queue_url()) == 0
    done = report(admin_api, import_id)
    assert (done["status"], done["imported"]) == ("done", imported)
    assert_each_imported_once(ddb, imported)
    audit_clean()
    return done


def test_a_file_of_100_lines_of_20_kb_is_queued_in_chunks_sqs_takes_and_imported(
    aws: str, template: Template, admin_api: Api, api: Api, ddb: Any
) -> None:
    sent = record_calls(imports_queue._client(), "SendMessageBatch")
    body = "".join(padded(n, 20_000) + "\n" for n in range(100)).encode()
    assert start(template, admin_api, "wide", body)["outcome"] == "queued"
    assert sent.calls
    for call in sent.calls:
        sizes = [len(entry["MessageBody"].encode()) for entry in call["Entries"]]
        assert len(sizes) <= 10 and sum(sizes) <= SQS_MESSAGE_LIMIT and max(sizes) <= SQS_MESSAGE_LIMIT
    done = worked_to_the_end(template, admin_api, ddb, "wide", 100)
    assert (done["rows"], done["rejected"]) == (100, 0)


def test_sqs_refusing_the_batches_fails_the_import_with_the_reason_and_the_same_file_again_finishes_it(
    aws: str, template: Template, admin_api: Api, api: Api, ddb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    chunk_lines(monkeypatch, 1)
    body = lines_of(member_row(n) for n in range(12))  # 12 chunks: a batch of 10, one of 2
    # The first batch goes; every later one is refused as too long, even one message alone.
    too_long = sqs_error("BatchRequestTooLong", "AWS.SimpleQueueService.BatchRequestTooLong")
    injected = fail_sends(imports_queue._client(), "SendMessageBatch", too_long, times=99, skip=1)
    answer = start(template, admin_api, "refused", body)
    assert answer["outcome"] == "failed" and injected.fired == 2  # the batch of 2, then one alone
    failed = report(admin_api, "refused")
    assert failed["status"] == "failed"
    assert "could not be queued" in failed["reason"] and "BatchRequestTooLong" in failed["reason"]
    assert "upload it again" in failed["reason"]
    work(template, queue_url())  # the chunks that were queued are imported: the import still says failed
    assert report(admin_api, "refused")["status"] == "failed"

    injected.fired = 99  # healed
    assert start(template, admin_api, "refused", body)["outcome"] == "queued"  # the same file, again
    done = worked_to_the_end(template, admin_api, ddb, "refused", 12)
    assert (done.get("reason"), done["rejected"]) == (None, 0)


def test_a_batch_refused_once_as_too_long_goes_in_halves_and_the_import_finishes(
    aws: str, template: Template, admin_api: Api, api: Api, ddb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    chunk_lines(monkeypatch, 1)
    client = imports_queue._client()
    refused = fail_sends(
        client, "SendMessageBatch", sqs_error("BatchRequestTooLong", "AWS.SimpleQueueService.BatchRequestTooLong"), 1
    )
    assert start(template, admin_api, "halves", lines_of(member_row(n) for n in range(6)))["outcome"] == "queued"
    assert refused.fired == 1
    worked_to_the_end(template, admin_api, ddb, "halves", 6)


def test_throttled_and_partly_failed_batches_are_sent_again_nothing_lost_or_doubled(
    aws: str, template: Template, admin_api: Api, api: Api, ddb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    chunk_lines(monkeypatch, 1)
    no_backoff(monkeypatch)
    monkeypatch.setattr(imports_queue.time, "sleep", lambda _seconds: None)
    client = imports_queue._client()
    throttled = fail_sends(client, "SendMessageBatch", sqs_error("ThrottlingException", status=400), 3)
    # SQS queued them but said they failed: they go again, and the worker meets each chunk twice.
    doubled = fail_taken_entries(client, 2)
    assert start(template, admin_api, "bumpy", lines_of(member_row(n) for n in range(12)))["outcome"] == "queued"
    assert (throttled.fired, doubled.fired) == (3, 2)
    done = worked_to_the_end(template, admin_api, ddb, "bumpy", 12)
    assert (done["rows"], done["rejected"]) == (12, 0)


def test_sqs_failing_entries_on_every_attempt_fails_the_import_with_the_reason(
    aws: str, template: Template, admin_api: Api, api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(imports_queue.time, "sleep", lambda _seconds: None)
    fail_taken_entries(imports_queue._client(), 99)
    assert start(template, admin_api, "flaky", lines_of([member_row(1)]))["outcome"] == "failed"
    failed = report(admin_api, "flaky")
    assert failed["status"] == "failed" and "InternalError" in failed["reason"]


def test_a_chunk_failing_on_its_last_receive_fails_the_import_and_its_redrive_finishes_it(
    aws: str, template: Template, admin_api: Api, api: Api, ddb: Any, faults: Faults, monkeypatch: pytest.MonkeyPatch
) -> None:
    chunk_lines(monkeypatch, 2)
    assert start(template, admin_api, "stuck", lines_of(member_row(n) for n in range(4)))["outcome"] == "queued"
    # Member 3 (line 4, chunk 1) cannot be written: the table refuses it every time.
    faults.add("TransactWriteItems", Fault.ACCESS_DENIED, times=1000, touching="imp-00003")
    assert work(template, queue_url()) == imports.MAX_RECEIVES
    failed = report(admin_api, "stuck")
    assert failed["status"] == "failed", failed
    assert "lines 3-4" in failed["reason"] and "redrive" in failed["reason"]
    assert failed["imported"] == 2  # chunk 0

    faults.clear()
    sqs = boto3.client("sqs")
    dlq = sqs.get_queue_url(QueueName="ImportsDeadLetterQueue")["QueueUrl"]
    dead = sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10)["Messages"]
    assert len(dead) == 1
    sqs.send_message(QueueUrl=queue_url(), MessageBody=dead[0]["Body"])  # the redrive
    sqs.delete_message(QueueUrl=dlq, ReceiptHandle=dead[0]["ReceiptHandle"])
    done = worked_to_the_end(template, admin_api, ddb, "stuck", 4)
    assert (done.get("reason"), done["rejected"]) == (None, 0)


def test_the_limits_the_code_assumes_are_the_queues(template: Template) -> None:
    props = template.resources("AWS::SQS::Queue")["ImportsQueue"]["Properties"]
    assert props["RedrivePolicy"]["maxReceiveCount"] == imports.MAX_RECEIVES
    assert props["MaximumMessageSize"] == imports_queue.MAX_MESSAGE_BYTES == SQS_MESSAGE_LIMIT


@pytest.mark.parametrize("plan", FAULTS)
def test_table_faults_in_the_worker_end_done_with_each_member_once(
    aws: str,
    template: Template,
    admin_api: Api,
    api: Api,
    ddb: Any,
    faults: Faults,
    plan: list[tuple[Fault, int]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    chunk_lines(monkeypatch, 2)
    assert start(template, admin_api, "faulty", lines_of(member_row(n) for n in range(4)))["outcome"] == "queued"
    for fault, times in plan:  # member 1's enrollment, and then the chunk's count
        faults.add("TransactWriteItems", fault, times=times, touching="imp-00001")
        faults.add("TransactWriteItems", fault, times=times, touching="CHUNK#")
    work(template, queue_url())
    faults.clear()
    done = report(admin_api, "faulty")
    assert (done["status"], done["imported"], done["rejected"]) == ("done", 4, 0), done
    assert_each_imported_once(ddb, 4)
    audit_clean()
