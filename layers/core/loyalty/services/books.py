"""The accounting day items, kept from the table's stream (loyalty.domain.stream_books has the rules).

``keep``: the stream consumer (EventPublisherFunction, one invocation per stream shard at a time) takes
a batch's books in before it publishes the batch's events: the adds of the records after the shard's
checkpoint, summed by day item, and the new checkpoint, in one TransactWriteItems conditioned on the
checkpoint read (several, in record order, when the day items pass a transaction's limit). A batch
delivered again, or retried from a record after its events failed to publish, finds its records at or
below the checkpoint and adds nothing.

``settled``: the month-end close asks whether the books hold every write made before a month's end.

``rebuild``: the day items before a day, put back from the durable items that keep each write's books
(the stream keeps 24 hours; the ledger keeps everything).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from aws_lambda_powertools import Logger
from botocore.exceptions import BotoCoreError, ClientError

from loyalty.adapters import clock, table_stream
from loyalty.domain import calendar
from loyalty.domain.stream_books import Adds, close_cutoff, pending, shard_settled, steps, total
from loyalty.store import accounting, stream_books
from loyalty.store.stream_books import Checkpoint

logger = Logger(child=True)

ATTEMPTS = 8  # transactions a batch tries (another shard's batch held a day item) before Lambda retries it
CHECKPOINT_TTL_SECONDS = 2 * 86400  # outlives the stream's 24 hours, so no record is ever taken in twice


_last: dict[str, Checkpoint] = {}  # by stream shard: the checkpoint this process last wrote


class NoShard(RuntimeError):
    """The batch does not say which stream shard it comes from: the event source mapping must have a
    tumbling window (TumblingWindowInSeconds), with which Lambda names the shard (``shardId``)."""


def keep(event: Mapping[str, Any]) -> int:
    """Take in the books of one batch (a Lambda DynamoDB stream event); returns the records taken in."""
    records: Sequence[dict[str, Any]] = event.get("Records") or []
    booked = [found for record in records for found in stream_books.booked_in(record)]
    if not booked:
        return 0
    shard = event.get("shardId")
    if not shard:
        raise NoShard("a stream batch with books but no shardId: see loyalty.services.books.NoShard")
    # The checkpoint this container last wrote for the shard (Lambda hands a shard's batches to the same
    # few containers): no read then; the transaction's condition says whether it is still the shard's.
    first = _last.get(str(shard)) or stream_books.checkpoint(str(shard))
    read = first
    for attempt in range(ATTEMPTS):
        for step in steps(booked, read.sequence if read is not None else None):
            outcome = stream_books.apply(str(shard), step, read, int(time.time()) + CHECKPOINT_TTL_SECONDS)
            if outcome != "written":
                logger.info("books step not written", extra={"outcome": outcome, "attempt": attempt})
                time.sleep(min(0.05 * 2**attempt, 1.0))
                _last.pop(str(shard), None)
                read = stream_books.checkpoint(str(shard))  # where it stands now: plan again from there
                break
            read = Checkpoint(str(shard), step.last, step.through, step.label)
        else:
            if read is not None:
                _last[str(shard)] = read
            return len(pending(booked, first.sequence if first is not None else None))
    raise RuntimeError(f"the books of shard {shard} could not be written in {ATTEMPTS} attempts")


def forget() -> None:
    """Forget the checkpoints this process wrote (tests: a fresh table)."""
    _last.clear()


def settled(month_end: datetime) -> bool:
    """Whether the books hold every write made before ``month_end``: its cutoff (the end and a margin for
    writes in flight) has passed, and every stream shard's checkpoint is past it or the shard shows no
    record that books before it after its checkpoint. Not known (the stream could not be read) is no."""
    cutoff = close_cutoff(month_end.timestamp())
    if clock.now().timestamp() < cutoff:
        return False
    return _shards_settled(cutoff)


def caught_up() -> bool:
    """Whether the books hold every write the stream shows so far (an audit of a live stack waits for
    it: local/audit.py)."""
    return _shards_settled(clock.now().timestamp())


def _shards_settled(cutoff: float) -> bool:
    try:
        known = stream_books.checkpoints()
        for shard in table_stream.shards():
            read = known.get(shard.id)
            reading = table_stream.Reading(shard.id, read.label if read is not None else None)
            seen = (
                (float(record["dynamodb"].get("ApproximateCreationDateTime") or 0), _books(record))
                for record in reading
            )
            if not shard_settled(read.through if read else None, seen, _complete(reading), cutoff):
                logger.info("books not settled", extra={"shard": shard.id, "cutoff": cutoff})
                return False
    except (BotoCoreError, ClientError):
        logger.exception("the stream could not be read: the books are taken as not settled")
        return False
    return True


def _complete(reading: table_stream.Reading) -> Callable[[], bool]:
    return lambda: reading.complete


def _books(record: dict[str, Any]) -> bool:
    return bool(stream_books.booked_in(record))


def month_end(month: str, zone: ZoneInfo) -> datetime:
    """The instant ``month`` (YYYY-MM) ends in the program's timezone."""
    first = date.fromisoformat(f"{month}-01")
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return calendar.start_of_day(following, zone)


@dataclass(frozen=True)
class Rebuilt:
    days_put: int
    days_deleted: int
    writes_read: int


def rebuild(before: date, zone: ZoneInfo, *, check_settled: bool = True) -> Rebuilt:
    """Put back every accounting day item before ``before`` from the books the durable items keep, each
    item as the stream made it (same shard, same attributes); items with nothing booked go. Only once
    the books have taken in every write made before ``before`` (else one still on its way would be
    counted twice): days from ``before`` on are the stream's, untouched."""
    if check_settled and not settled(calendar.start_of_day(before, zone)):
        raise RuntimeError(f"the books have not taken in every write before {before}: try again later")
    parts: dict[tuple[int, str], list[Adds]] = defaultdict(list)
    read = 0
    for shard, day, adds in stream_books.every_kept():
        read += 1
        if day < before.isoformat():
            parts[(shard, day)].append(adds)
    wanted = {key: summed for key, found in parts.items() if (summed := total(found))}
    existing = stream_books.day_keys(before.isoformat())
    for (shard, day), adds in sorted(wanted.items()):
        accounting.put_day(shard, day, adds)
    gone = existing - set(wanted)
    for shard, day in sorted(gone):
        accounting.delete_day(shard, day)
    return Rebuilt(len(wanted), len(gone), read)
