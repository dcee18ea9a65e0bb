"""The admin's view of platform events that were not applied as they came: list, retry, dismiss.

``GET /v1/admin/integrations/{connection_id}/events?status=`` lists one status, newest first (GSI1);
retry and dismiss act on one event under a condition on its status (loyalty.services.integrations.held).
"""

from __future__ import annotations

from datetime import datetime

from loyalty.adapters import clock
from loyalty.domain.errors import InvalidInput, NotFound
from loyalty.models.common import Page, rfc3339
from loyalty.models.integrations import PlatformEvent
from loyalty.services.integrations import held
from loyalty.store import platform_events as store
from loyalty.store.platform_events import EventRecord


def view(record: EventRecord) -> PlatformEvent:
    return PlatformEvent.model_validate(
        {
            "event_id": record.event_id,
            "connection_id": record.connection_id,
            "platform": record.platform,
            "topic": record.topic,
            "kind": record.kind,
            "order_id": record.order_id,
            "refund_id": record.event_id,
            "status": record.status,
            "reason": record.reason,
            "attempts": record.attempts,
            "fails_on": record.fail_on if record.status == "held" else None,
            "received_at": datetime.fromisoformat(record.received_at),
            "updated_at": datetime.fromisoformat(record.updated_at),
        }
    )


def page(connection_id: str, status: str, limit: int, cursor: str | None) -> Page[PlatformEvent]:
    try:
        records, next_cursor = store.page(connection_id, status, limit, cursor)
    except ValueError:
        raise InvalidInput("The cursor is not one this API gave out for this list.", ["query", "cursor"]) from None
    return Page[PlatformEvent](items=[view(r) for r in records], next_cursor=next_cursor)


def _found(connection_id: str, event_id: str) -> EventRecord:
    record = store.locate(connection_id, event_id)
    if record is None:
        raise NotFound(f"No event '{event_id}' for connection '{connection_id}'.")
    return record


def retry(connection_id: str, event_id: str) -> tuple[PlatformEvent, bool]:
    """Try an event again, whatever its status but applied (its order may have come since, or the admin
    made room for it); (the event after, whether it failed again). An applied event is answered as is."""
    record = _found(connection_id, event_id)
    if record.status == "applied":
        return view(record), False
    outcome = held.apply(record, held.ANY_BUT_APPLIED)
    return view(_found(connection_id, event_id)), outcome.status == "failed"


def dismiss(connection_id: str, event_id: str) -> PlatformEvent:
    """Stop waiting for or retrying an event (held or failed), its reason kept; an event in another
    status is answered as it is. A dismissed refund is not applied when its order comes (a retry still
    may apply it)."""
    record = _found(connection_id, event_id)
    if record.status in store.OPEN:
        store.settle(record, "dismissed", record.reason, rfc3339(clock.now()), store.OPEN, attempted=False)
    return view(_found(connection_id, event_id))
