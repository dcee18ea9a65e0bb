"""The SQS event source emulation, against moto's server (the backend `make run` uses for SQS)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from local.backend import MotoServer, local_aws_env
from local.poller import SqsPoller, failed_ids, sqs_record
from local.resources import create_resources
from local.template import SqsSource, Template
from tests.fakes import write_project


@pytest.fixture(scope="module")
def moto_server() -> Iterator[MotoServer]:
    with MotoServer() as server:
        yield server


@pytest.fixture
def aws(moto_server: MotoServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> tuple[Template, dict[str, str]]:
    for name, value in local_aws_env(moto_server.endpoint).items():
        monkeypatch.setenv(name, value)
    template = write_project(tmp_path)
    # Unique queue names: the module shares one server.
    suffix = tmp_path.name[-12:].replace("_", "-")
    names = {"Queue": f"q-{suffix}", "DeadLetters": f"dlq-{suffix}", "Table": f"t-{suffix}"}
    return template, create_resources(template, boto3.Session(), names=names)


def _until(check: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.1)


def _count(sqs: Any, url: str) -> int:
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    return sum(int(attributes[name]) for name in names)


def _run(source: SqsSource, url: str, consumer: Callable[[dict[str, Any]], Any]) -> tuple[threading.Event, SqsPoller]:
    stop = threading.Event()
    poller = SqsPoller(source, url, consumer, stop, boto3.client("sqs"), retry_visibility=1)
    poller.start()
    return stop, poller


def test_partial_failures_are_retried_then_moved_to_the_dlq(aws: tuple[Template, dict[str, str]]) -> None:
    template, physical = aws
    sqs = boto3.client("sqs")
    events: list[dict[str, Any]] = []

    def consumer(event: dict[str, Any]) -> Any:
        events.append(event)
        failed = [r["messageId"] for r in event["Records"] if r["body"] == "bad"]
        return {"batchItemFailures": [{"itemIdentifier": m} for m in failed]}

    sqs.send_message(QueueUrl=physical["Queue"], MessageBody="good")
    sqs.send_message(
        QueueUrl=physical["Queue"],
        MessageBody="bad",
        MessageAttributes={"kind": {"DataType": "String", "StringValue": "refund"}},
    )
    stop, poller = _run(template.sqs_sources()[0], physical["Queue"], consumer)
    try:
        # maxReceiveCount is 2: two failed receives, then moto itself moves the message to the DLQ.
        _until(lambda: _count(sqs, physical["DeadLetters"]) == 1)
        assert _count(sqs, physical["Queue"]) == 0
    finally:
        stop.set()
        poller.join(timeout=5)
    assert not poller.is_alive()
    bodies = [record["body"] for event in events for record in event["Records"]]
    assert sorted(bodies) == ["bad", "bad", "good"]
    bad = next(record for event in events for record in event["Records"] if record["body"] == "bad")
    assert bad["eventSource"] == "aws:sqs"
    assert bad["eventSourceARN"].endswith(":" + physical["Queue"].rsplit("/", 1)[1])
    assert bad["awsRegion"] == "us-east-1"
    assert bad["attributes"]["ApproximateReceiveCount"] in ("1", "2")
    assert bad["messageAttributes"]["kind"] == {
        "stringValue": "refund",
        "stringListValues": [],
        "binaryListValues": [],
        "dataType": "String",
    }
    assert bad["md5OfBody"] and bad["receiptHandle"] and bad["messageId"]


def test_a_raising_consumer_deletes_nothing(aws: tuple[Template, dict[str, str]]) -> None:
    template, physical = aws
    sqs = boto3.client("sqs")
    calls: list[int] = []

    def consumer(event: dict[str, Any]) -> Any:
        calls.append(len(event["Records"]))
        raise RuntimeError("consumer down")

    sqs.send_message(QueueUrl=physical["Queue"], MessageBody="a")
    stop, poller = _run(template.sqs_sources()[0], physical["Queue"], consumer)
    try:
        _until(lambda: len(calls) >= 1)
    finally:
        stop.set()
        poller.join(timeout=5)
    assert _count(sqs, physical["Queue"]) + _count(sqs, physical["DeadLetters"]) == 1


def test_batches_respect_the_batch_size(aws: tuple[Template, dict[str, str]]) -> None:
    template, physical = aws
    sqs = boto3.client("sqs")
    sizes: list[int] = []
    for index in range(7):
        sqs.send_message(QueueUrl=physical["Queue"], MessageBody=str(index))
    source = template.sqs_sources()[0]._replace(report_batch_item_failures=False)
    stop, poller = _run(source, physical["Queue"], lambda event: sizes.append(len(event["Records"])))
    try:
        _until(lambda: sum(sizes) == 7)
        _until(lambda: _count(sqs, physical["Queue"]) == 0)
    finally:
        stop.set()
        poller.join(timeout=5)
    assert max(sizes) <= 5


def test_report_batch_item_failures_rules() -> None:
    ids = ["a", "b"]
    assert failed_ids(None, ids) == set()
    assert failed_ids({"batchItemFailures": []}, ids) == set()
    assert failed_ids({"batchItemFailures": [{"itemIdentifier": "b"}]}, ids) == {"b"}
    assert failed_ids({"batchItemFailures": [{"itemIdentifier": "zzz"}]}, ids) == {"a", "b"}
    assert failed_ids({"batchItemFailures": [{"itemIdentifier": ""}]}, ids) == {"a", "b"}
    assert failed_ids("nonsense", ids) == {"a", "b"}


def test_sqs_record_converts_binary_attributes() -> None:
    message: Any = {
        "MessageId": "m",
        "ReceiptHandle": "r",
        "Body": "b",
        "MD5OfBody": "x",
        "Attributes": {"ApproximateReceiveCount": "1"},
        "MessageAttributes": {"blob": {"DataType": "Binary", "BinaryValue": b"\x01"}},
    }
    record = sqs_record(message, "arn:aws:sqs:us-east-1:123456789012:q")
    assert record["messageAttributes"]["blob"]["binaryValue"] == "AQ=="
    assert record["attributes"] == {"ApproximateReceiveCount": "1"}
