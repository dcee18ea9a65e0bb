"""Refunds that come before their order, and platform events that cannot be applied: kept, never dropped.

Shopify does not order its webhooks: a refund (a cancellation or a return comes as one) may arrive
before the order it refunds. It is then held under the order's key (loyalty.store.platform_events) and
applied when the order is accrued. Exactly once, whoever gets there first, because:

- the refund itself is written once per refund id (the ledger's own condition): applying it twice,
  from two workers or from a redelivery, changes nothing the second time;
- the refund side writes its held item *then* reads the order, the order side writes the order *then*
  Queries the held items, both strongly consistent: whichever write comes second, its reader sees the
  other's item, so at least one side applies it (both may: see the first point);
- the status moves only under a condition on the status it was read in.

An order that comes and credits nobody (not a member, nothing earns, member erased) leaves a marker, so
its refunds, before or after it, are ``skipped`` (a legitimate outcome, counted but not listed as failed).
A held refund whose order has not come within ``max_order_age_days`` (after which the order would be
refused) is ``failed`` with reason ``order_not_arrived`` by the daily job ``fail_held``, which finds it
through the due index (GSI2, ``DUE#HELD#<shard>``) on that day: one read per held event, whatever
the table's size. What fails is listed for the admin, who may retry or dismiss it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from loyalty.adapters import clock
from loyalty.domain import calendar
from loyalty.domain.errors import IdempotencyConflict, MemberErased, OrderNotFound, RefundExceedsOrder
from loyalty.domain.refunds import PlatformRefund
from loyalty.models.common import rfc3339
from loyalty.models.order import RefundRequest
from loyalty.services import program as programs
from loyalty.services import refunds
from loyalty.services.jobs.runner import EachDue, Run
from loyalty.store import keys
from loyalty.store import orders as order_store
from loyalty.store import platform_events as store
from loyalty.store.due_index import DueItem
from loyalty.store.platform_events import EventRecord, Status

NOT_ARRIVED = "order_not_arrived"
ANY_BUT_APPLIED: frozenset[str] = frozenset({"held", "failed", "skipped", "dismissed"})


@dataclass(frozen=True)
class Outcome:
    """What became of one platform refund: ``refunded`` is set when this call applied it."""

    status: Status
    reason: str | None = None
    refunded: refunds.Refunded | None = None


@dataclass(frozen=True)
class Source:
    """Where a platform refund came from."""

    connection_id: str
    platform: str
    topic: str
    received_at: str


def _now() -> str:
    return rfc3339(clock.now())


def _fails_on(received_at: str) -> str:
    """The day after the last one the order may still come on: an order is refused once its placed_at
    is max_order_age_days old, and it was placed before its refund was made."""
    program = programs.current()
    day = calendar.local_day(datetime.fromisoformat(received_at), program.zone)
    return (day + timedelta(days=program.max_order_age_days + 1)).isoformat()


def refund(
    source: Source, order_id: str, request: RefundRequest, given: PlatformRefund, may_come: bool = True
) -> Outcome:
    """Apply a platform's refund now; when its order is not there yet, hold it (``may_come``: the
    platform says the order was paid, so its accrual may still come) or skip it. A redelivery of one
    already recorded, and settled, is answered as it stands: a dismissed refund stays dismissed."""
    known = store.get(order_id, request.refund_id)  # one read per platform refund (they are few)
    if known is not None and known.status != "held":
        return Outcome(known.status, known.reason)
    try:
        return Outcome("applied", refunded=refunds.refund(order_id, request, platform=given))
    except OrderNotFound:
        pass
    except MemberErased:
        return Outcome("skipped", "member_erased")  # the shopper asked to be forgotten: nothing to take back
    except (RefundExceedsOrder, IdempotencyConflict) as error:
        return _record(source, order_id, request, given, "failed", _reason(error))
    if store.not_credited(order_id) is not None:
        return Outcome("skipped", "order_not_credited")  # its order came and credits nobody
    return _hold(source, order_id, request, given) if may_come else Outcome("skipped", "order_not_paid")


def _reason(error: Exception) -> str:
    return "idempotency_conflict" if isinstance(error, IdempotencyConflict) else "refund_exceeds_order"


def _hold(source: Source, order_id: str, request: RefundRequest, given: PlatformRefund) -> Outcome:
    _record(source, order_id, request, given, "held", NOT_ARRIVED)
    # The order may have been accrued while we wrote: now that our item is there, look (see above).
    record = store.get(order_id, request.refund_id)
    if record is None or record.status != "held":
        return Outcome(record.status, record.reason) if record else Outcome("held", NOT_ARRIVED)
    if store.not_credited(order_id) is not None:
        return _settle(record, "skipped", "order_not_credited", frozenset({"held"}))
    if order_store.get_order(order_id) is None:
        return Outcome("held", NOT_ARRIVED)
    return apply(record, frozenset({"held"}))


def _record(
    source: Source, order_id: str, request: RefundRequest, given: PlatformRefund, status: Status, reason: str
) -> Outcome:
    now = _now()
    record = EventRecord(
        connection_id=source.connection_id,
        event_id=request.refund_id,
        order_id=order_id,
        platform=source.platform,
        topic=source.topic,
        kind="refund",
        request=request.model_dump_json(exclude_none=True),
        given=json.dumps(asdict(given)),
        status=status,
        reason=reason,
        received_at=source.received_at,
        updated_at=now,
        attempts=1,
        fail_on=_fails_on(source.received_at) if status == "held" else None,
    )
    if not store.put_new(record):  # delivered again: the first record stands
        existing = store.get(order_id, request.refund_id)
        if existing is not None:
            return Outcome(existing.status, existing.reason)
    return Outcome(status, reason)


def _settle(record: EventRecord, status: Status, reason: str | None, expect: frozenset[str]) -> Outcome:
    if store.settle(record, status, reason, _now(), expect, attempted=True):
        return Outcome(status, reason)
    current = store.get(record.order_id, record.event_id)
    return Outcome(current.status, current.reason) if current else Outcome(status, reason)


def apply(record: EventRecord, expect: frozenset[str]) -> Outcome:
    """Apply a kept refund to its order. The refund is written once by its id; the status then says so
    (``applied`` is the truth once the ledger has it, whatever status a concurrent admin set)."""
    request = RefundRequest.model_validate_json(record.request)
    # What the platform said it gave back: applied later, the refund is judged as if it came now.
    given = PlatformRefund(**json.loads(record.given)) if record.given else None
    try:
        refunded = refunds.refund(record.order_id, request, platform=given)
    except OrderNotFound:
        still: Status = "held" if record.status == "held" else "failed"
        return _settle(record, still, NOT_ARRIVED, expect)
    except MemberErased:
        return _settle(record, "skipped", "member_erased", expect)
    except (RefundExceedsOrder, IdempotencyConflict) as error:
        return _settle(record, "failed", _reason(error), expect)
    store.settle(record, "applied", None, _now(), ANY_BUT_APPLIED, attempted=True)
    return Outcome("applied", refunded=refunded)


def _whole_order(record: EventRecord) -> bool:
    return bool(record.given and json.loads(record.given).get("whole_order"))


def order_came(order_id: str, not_credited: str | None = None) -> list[Outcome]:
    """The order was accrued (``not_credited`` None; also on a replay: a crash may have come between
    the accrual and this) or came and credits nobody: settle what waits for it. One Query."""
    if not_credited is not None:
        program = programs.current()
        keep = clock.now() + timedelta(days=program.max_order_age_days + 2)
        store.mark_not_credited(order_id, not_credited, int(keep.timestamp()))
    events, _ = store.of_order(order_id)
    outcomes = []
    # In the order they came, as they would have been applied had the order come first; a refund of the
    # whole order (a cancelled or refunded status) last, since it takes what the others leave.
    for record in sorted(events, key=lambda e: (e.received_at, _whole_order(e), e.event_id)):
        if record.status != "held":
            continue
        if not_credited is not None:
            outcomes.append(_settle(record, "skipped", "order_not_credited", frozenset({"held"})))
        else:
            outcomes.append(apply(record, frozenset({"held"})))
    return outcomes


# --- the daily job: held events whose order did not come fail --------------------------------------


def fail_one(item: DueItem, run: Run) -> None:
    """Read the event itself (the index lags): still held and due, its order is looked for one last
    time (a crash may have come between the accrual and its held refunds), else it fails."""
    order_id = item.key["PK"].removeprefix(keys.held_partition(""))
    record = store.get(order_id, item.key["SK"].removeprefix(keys.HELD_EVENT_PREFIX))
    if record is None or record.status != "held" or (record.fail_on or "") > run.today.isoformat():
        return
    if order_store.get_order(record.order_id) is not None:
        outcome = apply(record, frozenset({"held"}))
    else:
        outcome = _settle(record, "failed", NOT_ARRIVED, frozenset({"held"}))
    if outcome.status == "failed":
        run.counts["events_failed"] += 1


JOBS = {"fail_held": EachDue("fail_held", store.DUE_KIND, fail_one, "fail a held platform event")}
