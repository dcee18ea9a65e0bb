"""The local stack's window on the event bus: a rule on LoyaltyEvents forwards every event to a queue
of its own, and a thread prints each one as it arrives (`make run`'s "event ..." lines)."""

from __future__ import annotations

import json
import sys
import threading
import traceback

import boto3

TAP = "LocalEventsTap"


def create(bus: str, session: boto3.Session | None = None) -> str:
    """The tap queue's URL (created, with its rule, if need be)."""
    session = session or boto3.Session()
    sqs = session.client("sqs")
    url = sqs.create_queue(QueueName=TAP)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events = session.client("events")
    events.put_rule(Name=TAP, EventBusName=bus, EventPattern=json.dumps({"source": ["loyalty"]}))
    events.put_targets(Rule=TAP, EventBusName=bus, Targets=[{"Id": TAP, "Arn": arn}])
    return str(url)


def line(message: dict[str, object]) -> str:
    detail = message.get("detail") or {}
    assert isinstance(detail, dict)
    data = json.dumps(detail.get("data"), separators=(",", ":"))
    return f"event  {detail.get('type', '?'):<20} {detail.get('id', '?')}  {data}"


class BusTap(threading.Thread):
    def __init__(self, url: str, stop: threading.Event, session: boto3.Session | None = None) -> None:
        super().__init__(name="bus-tap", daemon=True)
        self.url = url
        self.stop_event = stop
        self.sqs = (session or boto3.Session()).client("sqs")

    def run(self) -> None:
        while not self.stop_event.is_set():
            try:
                answer = self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
                for message in answer.get("Messages", []):
                    print(line(json.loads(message["Body"])), flush=True)
                    self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])
            except Exception:
                if self.stop_event.is_set():
                    return
                traceback.print_exc(file=sys.stderr)
                self.stop_event.wait(1)
