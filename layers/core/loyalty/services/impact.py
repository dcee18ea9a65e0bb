"""The impact aggregates, kept from the table's stream exactly as the books are (loyalty.services.books):
EventPublisherFunction hands each batch of a stream shard here after the books. The records after the
shard's checkpoint (``IMPACT#STREAM`` / shard) become a few transactions (loyalty.domain.impact.steps),
each with the checkpoint moved on the condition that it is still where it was read, and with every
customer's month it changes on the condition that it is still as read (another shard may hold orders of
the same customer). A batch delivered again finds its records at or below the checkpoint; a batch failed
half-way resumes after the last step written. No member's transaction ever writes these items.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools import Logger

from loyalty.domain.impact import pending, steps
from loyalty.store import impact as store

logger = Logger(child=True)

ATTEMPTS = 8  # transactions tried (another shard's batch held an item) before Lambda retries the batch
CHECKPOINT_TTL_SECONDS = 2 * 86400  # outlives the stream's 24 hours


def keep(event: Mapping[str, Any]) -> int:
    """Take in one batch's orders, refunds and members; returns the records that moved something."""
    found = [record for record in store.records(event) if record.facts or record.counts]
    if not found:
        return 0
    shard = str(event.get("shardId") or "")
    if not shard:
        raise RuntimeError("a stream batch with impact records but no shardId (see loyalty.services.books.NoShard)")
    for attempt in range(ATTEMPTS):
        read = store.checkpoint(shard)
        todo = pending(found, int(read) if read is not None else None)
        if not todo:
            return 0
        values = store.values((fact.customer, fact.month) for record in todo for fact in record.facts)
        for step in steps(todo, None, values):
            outcome = store.apply(shard, step, read, int(time.time()) + CHECKPOINT_TTL_SECONDS)
            if outcome != "written":
                logger.info("impact step not written", extra={"outcome": outcome, "attempt": attempt})
                time.sleep(min(0.05 * 2**attempt, 1.0))
                break
            read = step.label
        else:
            return len(todo)
    raise RuntimeError(f"the impact aggregates of shard {shard} could not be written in {ATTEMPTS} attempts")
