"""SQS event sources, emulated: a thread per source long-polls the local queue and invokes its consumer
with the same records, batch sizes and partial-failure rules as Lambda's event source mapping.

Redrive needs nothing here: moto moves a message to the dead-letter queue itself once it has been
received maxReceiveCount times (tests/e2e/test_poller.py checks that this stays true).
"""

from __future__ import annotations

import base64
import sys
import threading
import traceback
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import boto3

from local import runtime
from local.intrinsics import REGION
from local.template import SqsSource, Template

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import MessageTypeDef

Consumer = Callable[[dict[str, Any]], Any]

MAX_RECEIVE = 10  # SQS's limit per ReceiveMessage call
# Lambda leaves a failed message invisible for the queue's whole VisibilityTimeout (180 s on the accrual
# queue, so 9 minutes before it reaches the DLQ). Locally that makes retry and DLQ behaviour too slow to
# watch, so the poller makes failed messages visible again after a few seconds instead.
RETRY_VISIBILITY_SECONDS = 2


def _message_attributes(raw: Mapping[str, Any]) -> dict[str, Any]:
    """SQS API attribute values (StringValue, BinaryValue) in the Lambda record's camelCase shape."""
    converted = {}
    for name, value in raw.items():
        item: dict[str, Any] = {"stringListValues": [], "binaryListValues": [], "dataType": value["DataType"]}
        if "StringValue" in value:
            item["stringValue"] = value["StringValue"]
        if "BinaryValue" in value:
            item["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode()
        converted[name] = item
    return converted


def sqs_record(message: MessageTypeDef, queue_arn: str) -> dict[str, Any]:
    """One record of the event Lambda sends an SQS consumer."""
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": dict(message.get("Attributes", {})),
        "messageAttributes": _message_attributes(message.get("MessageAttributes", {})),
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": REGION,
    }


def failed_ids(result: Any, message_ids: list[str]) -> set[str]:
    """Message ids a ReportBatchItemFailures answer marks failed; a malformed answer fails the batch."""
    if result is None:
        return set()
    if not isinstance(result, dict):
        return set(message_ids)
    failures = result.get("batchItemFailures") or []
    ids = {failure.get("itemIdentifier") if isinstance(failure, dict) else None for failure in failures}
    if not ids <= set(message_ids):
        return set(message_ids)  # Lambda's rule: an unknown or empty identifier fails the whole batch
    return {str(identifier) for identifier in ids}


class SqsPoller(threading.Thread):
    def __init__(
        self,
        source: SqsSource,
        queue_url: str,
        consumer: Consumer,
        stop: threading.Event,
        client: SQSClient | None = None,
        retry_visibility: int = RETRY_VISIBILITY_SECONDS,
        wait_seconds: int = 1,
    ) -> None:
        super().__init__(name=f"sqs-{source.function}", daemon=True)
        self.source = source
        self.queue_url = queue_url
        self.consumer = consumer
        self.stop_event = stop
        self.client = client or boto3.client("sqs")
        self.retry_visibility = retry_visibility
        self.wait_seconds = wait_seconds  # short, so a stop request is noticed within about a second
        self.queue_arn = ""

    def run(self) -> None:
        while not self.stop_event.is_set():
            try:
                if not self.queue_arn:
                    attributes = self.client.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["QueueArn"])
                    self.queue_arn = attributes["Attributes"]["QueueArn"]
                messages = self._receive()
                if messages:
                    self._process(messages)
            except Exception:  # a poller must outlive a backend hiccup, as Lambda's does
                if self.stop_event.is_set():
                    return
                traceback.print_exc(file=sys.stderr)
                self.stop_event.wait(1)

    def _receive(self) -> list[MessageTypeDef]:
        messages: list[MessageTypeDef] = []
        wait = self.wait_seconds
        while len(messages) < self.source.batch_size and not self.stop_event.is_set():
            batch = self.client.receive_message(
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=min(MAX_RECEIVE, self.source.batch_size - len(messages)),
                WaitTimeSeconds=wait,
                MessageSystemAttributeNames=["All"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])
            if not batch:
                break
            messages += batch
            wait = 0  # fill the batch with what is already there, without waiting for more
        return messages

    def _process(self, messages: list[MessageTypeDef]) -> None:
        records = [sqs_record(message, self.queue_arn) for message in messages]
        ids = [record["messageId"] for record in records]
        try:
            result = self.consumer({"Records": records})
        except Exception:  # a raising consumer fails the whole batch, as in Lambda
            traceback.print_exc(file=sys.stderr)
            failed = set(ids)
        else:
            failed = failed_ids(result, ids) if self.source.report_batch_item_failures else set()
        done = [record for record in records if record["messageId"] not in failed]
        retry = [record for record in records if record["messageId"] in failed]
        for start in range(0, len(done), MAX_RECEIVE):
            chunk = done[start : start + MAX_RECEIVE]
            self.client.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": r["receiptHandle"]} for i, r in enumerate(chunk)],
            )
        for start in range(0, len(retry), MAX_RECEIVE):
            chunk = retry[start : start + MAX_RECEIVE]
            self.client.change_message_visibility_batch(
                QueueUrl=self.queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": r["receiptHandle"], "VisibilityTimeout": self.retry_visibility}
                    for i, r in enumerate(chunk)
                ],
            )


def start_pollers(
    template: Template,
    physical: Mapping[str, str],
    stop: threading.Event,
    session: boto3.Session | None = None,
) -> list[SqsPoller]:
    """One started poller per SQS event source of the template (none yet is fine)."""
    session = session or boto3.Session()
    pollers = []
    for source in template.sqs_sources():

        def consumer(event: dict[str, Any], function: str = source.function) -> Any:
            return runtime.invoke(template, function, event)

        poller = SqsPoller(source, physical[source.queue], consumer, stop, session.client("sqs"))
        poller.start()
        pollers.append(poller)
    return pollers
