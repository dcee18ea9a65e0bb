"""The publisher: a batch of table stream records -> events on the bus and deliveries to webhooks.

Each member profile record's outbox becomes envelopes, in order, with ids ``<member_id>:<version>:<index>``
that a redelivered record rebuilds identically. Records are handled in stream order; at the first one
that cannot be published, the batch stops and reports it, so Lambda retries from there and no later
event of the same shard overtakes it (ordering per member holds). What was published before a crash
is published again on the retry with the same ids: bus consumers dedupe on the id, and webhook
deliveries are created once per (webhook, event) by a conditional write.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger

from loyalty.adapters import event_bus
from loyalty.models.events import DATA_MODELS, Envelope, event_id
from loyalty.services import webhooks
from loyalty.store import outbox

logger = Logger(child=True)


class MalformedOutbox(ValueError):
    """An outbox entry of an unknown type or with data its type does not allow: a writer's bug."""


@dataclass
class Published:
    events: list[Envelope] = field(default_factory=list)
    deliveries: int = 0
    failed_sequence: str | None = None  # the record Lambda must retry from, if any

    def response(self) -> dict[str, Any]:
        """Lambda's ReportBatchItemFailures answer."""
        failures = [{"itemIdentifier": self.failed_sequence}] if self.failed_sequence else []
        return {"batchItemFailures": failures}


def envelopes(write: outbox.OutboxWrite) -> list[Envelope]:
    """The events of one write, validated against their types' models."""
    built = []
    for index, entry in enumerate(write.entries):
        model = DATA_MODELS.get(entry.type)
        if model is None:
            raise MalformedOutbox(f"outbox of {write.member_id} v{write.version} names unknown type {entry.type!r}")
        try:
            data = model.model_validate(entry.data)
        except ValueError as error:
            # Which fields, never their values (they could be personal data written by mistake).
            raise MalformedOutbox(
                f"outbox of {write.member_id} v{write.version}: {entry.type} data is not valid ({_fields(error)})"
            ) from None
        built.append(
            Envelope(
                id=event_id(write.member_id, write.version, index),
                type=entry.type,
                occurred_at=datetime.fromisoformat(write.occurred_at),
                member_id=write.member_id,
                data=data.model_dump(mode="json"),
            )
        )
    return built


def _fields(error: ValueError) -> str:
    errors = getattr(error, "errors", None)
    if not callable(errors):
        return "invalid"
    return ", ".join(f"{'.'.join(str(p) for p in item['loc'])}: {item['type']}" for item in errors())


def publish(records: Sequence[dict[str, Any]]) -> Published:
    """Publish a batch in order; stop at the first record that fails and name it for the retry."""
    result = Published()
    writes: list[tuple[str, list[Envelope]]] = []
    for record in records:
        sequence = str((record.get("dynamodb") or {}).get("SequenceNumber", ""))
        try:
            write = outbox.from_record(record)
            writes.append((sequence, envelopes(write) if write else []))
        except Exception:
            logger.exception("stream record could not be read", extra={"sequence_number": sequence})
            result.failed_sequence = sequence
            break
    entries = [
        (position, event_bus.entry(envelope.type, envelope.body()))
        for position, (_, built) in enumerate(writes)
        for envelope in built
    ]
    try:
        event_bus.put([item for _, item in entries])
        published_upto = len(writes)
    except event_bus.PublishFailed as error:
        published_upto = entries[error.first][0]
        logger.warning("events not published", extra={"error": str(error)})
    subscriptions = webhooks.subscriptions() if entries else []
    for position, (sequence, built) in enumerate(writes):
        if position >= published_upto:
            result.failed_sequence = sequence
            break
        try:
            result.deliveries += webhooks.fan_out(built, subscriptions)
        except Exception:
            logger.exception("webhook deliveries not queued", extra={"sequence_number": sequence})
            result.failed_sequence = sequence
            break
        result.events += built
    return result
