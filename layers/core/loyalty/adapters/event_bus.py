"""EventBridge: where every event is published (bus ``LoyaltyEvents``, source ``loyalty``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import boto3

from loyalty.adapters import aws
from loyalty.settings import settings

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient

SOURCE = "loyalty"
BATCH = 10  # PutEvents' limit per call
ATTEMPTS = 3  # for the entries a call reports failed (throttling, internal errors)


class PublishFailed(RuntimeError):
    """Some entries were still refused after every attempt; ``first`` is the index of the first one."""

    def __init__(self, first: int, codes: list[str]) -> None:
        super().__init__(f"EventBridge refused {len(codes)} events ({sorted(set(codes))})")
        self.first = first


_client: aws.Client[EventBridgeClient] = aws.Client(lambda: boto3.client("events", config=aws.config()))
reset = _client.reset


def entry(event_type: str, detail: str) -> dict[str, Any]:
    return {"Source": SOURCE, "DetailType": event_type, "Detail": detail, "EventBusName": settings().event_bus_name}


def put(entries: Sequence[dict[str, Any]]) -> None:
    """Publish every entry, in order, 10 per call; the ones refused are retried, then PublishFailed."""
    for start in range(0, len(entries), BATCH):
        pending = list(enumerate(entries[start : start + BATCH], start))
        codes: list[str] = []
        for _ in range(ATTEMPTS):
            answer = _client().put_events(Entries=[item for _, item in pending])  # type: ignore[misc]
            if not answer.get("FailedEntryCount"):
                pending = []
                break
            results = answer.get("Entries", [])
            codes = [str(r.get("ErrorCode")) for r in results if r.get("ErrorCode")]
            pending = [p for p, r in zip(pending, results, strict=True) if r.get("ErrorCode")]
        if pending:
            raise PublishFailed(pending[0][0], codes)
