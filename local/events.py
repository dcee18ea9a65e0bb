"""When a sample event (events/) happened, so it can be replayed at its own time.

The layer refuses what comes at the wrong time (an order placed after "now", one older than the program's
max_order_age_days, a job's run for a day that has not come), so a sample event is invoked with the
layer's clock at the moment it carries: an HTTP request's ``requestContext.timeEpoch``, a scheduled job's
``scheduled_time``, a queue message's ``scheduled_time`` or, for other messages, when the batch's last
one was received.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any


def moment_of(event: dict[str, Any]) -> datetime | None:
    """The time the event carries, or None when it carries none."""
    if "scheduled_time" in event:
        return datetime.fromisoformat(event["scheduled_time"])
    epoch = event.get("requestContext", {}).get("timeEpoch")
    if epoch is not None:
        return datetime.fromtimestamp(int(epoch) / 1000, UTC)
    received = None
    for record in event.get("Records", []):
        body = json.loads(record.get("body") or "{}")
        if isinstance(body, dict) and "scheduled_time" in body:
            return datetime.fromisoformat(body["scheduled_time"])
        stamp = record.get("attributes", {}).get("ApproximateFirstReceiveTimestamp")
        if stamp:
            received = datetime.fromtimestamp(int(stamp) / 1000, UTC)
    return received


def at_its_time[T](call: Callable[[], T], event: dict[str, Any]) -> T:
    """Run ``call`` (the event's invocation) with the clock at the event's moment, then give the clock
    back to whatever it was."""
    from loyalty.adapters import clock  # here: the layer is on the path once a template is loaded

    moment = moment_of(event)
    if moment is None:
        return call()
    before = clock.source()
    clock.set_clock(lambda: moment)
    try:
        return call()
    finally:
        clock.set_clock(before)
