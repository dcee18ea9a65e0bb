"""The publisher: a batch of table stream records -> events on the bus and deliveries to webhooks.

Each member profile record's outbox becomes envelopes, in order, with ids ``<member_id>:<version>:<index>``
that a redelivered record rebuilds identically. Records are handled in stream order; at the first one
that cannot be published, the batch stops and reports it, so Lambda retries from there and no later
event of the same shard overtakes it (ordering per member holds). What was published before a crash
is published again on the retry with the same ids: bus consumers dedupe on the id, and webhook
deliveries are created once per (webhook, event) by a conditional write.

The stream also shows a referee's record turning ``completed`` (an accrual without pending days writes
it so): the publisher then credits the referral (services.referrals.settle_completed, the maturing
job's conditional writes), so a referrer sees it within seconds and the accrual stays as cheap as it
was. That comes after the batch's events are published, so a referral that cannot be credited never
holds them back: it is reported as the batch item failure (Lambda retries from it, and events after it
are published again with the same ids) while the record is younger than REFERRAL_RETRY_SECONDS, then
left to the nightly maturing run, which finds it in its index, and counted (an alarm watches it).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger

from loyalty.adapters import clock, event_bus
from loyalty.models.events import DATA_MODELS, Envelope, event_id
from loyalty.services import webhooks
from loyalty.store import outbox
from loyalty.store import referrals as referral_store

logger = Logger(child=True)

# How long the stream keeps retrying a referral it cannot credit before leaving it to the nightly run:
# long enough for a throttled table or a lost race to pass, short enough not to hold the shard's later
# records back for more than a few minutes.
REFERRAL_RETRY_SECONDS = 300


class MalformedOutbox(ValueError):
    """An outbox entry of an unknown type or with data its type does not allow: a writer's bug."""


@dataclass
class Published:
    events: list[Envelope] = field(default_factory=list)
    deliveries: int = 0
    failed_sequence: str | None = None  # the record Lambda must retry from, if any
    referrals_settled: int = 0  # completed referrals credited (or found credited) from the stream
    referrals_deferred: int = 0  # given up on here: the nightly maturing run credits them

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
    done = len(records) if result.failed_sequence is None else _position(records, result.failed_sequence)
    referral_failure = _settle_referrals(records[:done], result)
    if referral_failure is not None:
        result.failed_sequence = referral_failure  # earlier in the stream than any other failure
    return result


def _sequence(record: dict[str, Any]) -> str:
    return str((record.get("dynamodb") or {}).get("SequenceNumber", ""))


def _position(records: Sequence[dict[str, Any]], sequence: str) -> int:
    return next((index for index, record in enumerate(records) if _sequence(record) == sequence), len(records))


def _settle_referrals(records: Sequence[dict[str, Any]], result: Published) -> str | None:
    """Credit the referrals these records show completed, in order; the sequence number of the first
    that must be retried, if any (see the module's doc)."""
    for record in records:
        referee_id = referral_store.completed_in(record)
        if referee_id is None:
            continue
        # Imported on first use: most batches hold no referral, and the publisher's cold start stays
        # that of the events path.
        from loyalty.services import referrals  # noqa: PLC0415

        try:
            settled = referrals.settle_completed(referee_id, clock.now())
        except Exception:
            logger.exception("referral not credited from the stream", extra={"sequence_number": _sequence(record)})
            settled = False
        if settled:
            result.referrals_settled += 1
            continue
        created = (record.get("dynamodb") or {}).get("ApproximateCreationDateTime")
        age = time.time() - float(created) if isinstance(created, int | float | str) else 0.0
        if age < REFERRAL_RETRY_SECONDS:
            return _sequence(record)
        logger.error("referral left to the nightly maturing run", extra={"sequence_number": _sequence(record)})
        result.referrals_deferred += 1
    return None
