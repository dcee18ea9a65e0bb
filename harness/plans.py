"""What a pure plan reads, built in memory: a program, a member and its lots (no AWS, no moto).

Every use case's ``plan`` takes what the write loop read (loyalty.store.write_loop); its unit tests
(tests/unit/plans) build that here and check what the plan decided: the change, its entry, its events
and its booking.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from harness.programs import program_document
from loyalty.domain import calendar
from loyalty.domain.balances import Balances
from loyalty.domain.tiers import Qualifying
from loyalty.domain.valuation import Portion
from loyalty.models.order import OrderRequest
from loyalty.models.program import Program
from loyalty.services import accrual
from loyalty.services.jobs.runner import Run
from loyalty.store import keys
from loyalty.store.client import Item, from_item
from loyalty.store.member_reads import MemberState
from loyalty.store.member_record import DueDays, MemberRecord
from loyalty.store.orders import OrderRecord
from loyalty.store.rewards import RewardRecord
from loyalty.store.transactions import TxItem
from loyalty.store.unit_of_work import MemberChange

NOW = datetime(2026, 6, 15, 14, 0, tzinfo=UTC)
ENROLLED = "2026-01-10T12:00:00.000Z"


def program(**overrides: Any) -> Program:
    return Program.model_validate(program_document(**overrides))


def member(member_id: str = "m-1", **fields: Any) -> MemberRecord:
    """An active Bronze member with nothing yet, as enrollment leaves it; ``fields`` override."""
    record = MemberRecord(
        member_id=member_id,
        email=f"{member_id}@example.com",
        name="Ada",
        locale="en",
        status="active",
        enrolled_at=ENROLLED,
        last_activity_at=ENROLLED,
        marketing_opt_in=True,
        referral_code=f"R-{member_id}",
        referred_by=None,
        tier="Bronze",
        tier_since=None,
        balances=Balances(),
        qualifying=Qualifying(7),
        due=DueDays(),
        version=3,
    )
    return replace(record, **fields)


def state(record: MemberRecord | None = None, lots: dict[str, int] | None = None, value: str = "1") -> MemberState:
    """The member as a full read finds it: its lots by expiry day, each valued at ``value`` (a sale)."""
    held = dict(lots or {})
    record = record or member()
    if held and record.balances.available != sum(held.values()):
        total = sum(held.values())
        record = replace(record, balances=Balances(available=total, lifetime_earned=total))
    portions = {Portion(day, "sale", Decimal(value)): points for day, points in held.items()}
    return MemberState(record, held, complete=True, portions=portions)


# Two pairs of shoes at 15.00 (1 point a unit) and a 20.00 gadget (electronics: x2): 30 + 40 points.
LINES = [
    {"sku": "SHOE", "category": "shoes", "quantity": 2, "unit_price_minor": 1500},
    {"sku": "GADGET", "category": "electronics", "quantity": 1, "unit_price_minor": 2000},
]


def order_request(order_id: str = "o-1", member_id: str = "m-1", **fields: Any) -> OrderRequest:
    """An order placed an hour before ``NOW``, of ``LINES`` unless ``fields`` say otherwise."""
    body = {"order_id": order_id, "member_id": member_id, "currency": "USD", "placed_at": "2026-06-15T13:00:00Z"}
    return OrderRequest.model_validate({**body, "lines": LINES, **fields})


def accrued(request: OrderRequest, program: Program, read: MemberState | None = None) -> OrderRecord:
    """The order as the accrual stores it (its plan's entry): what a refund or a referral reads back."""
    return stored(accrual.plan(request, read or state(), program, NOW, None).change)


def stored[T](change: MemberChange[T]) -> T:
    """What the change's ledger entry stores, read back as the store reads it."""
    assert change.entry is not None
    return change.entry.decode(change.entry.item)


def job_run(job: str, now: datetime = NOW, **program_overrides: Any) -> Run:
    """A scheduled job's run at ``now``, on the program's local day."""
    chosen = program(**program_overrides)
    return Run(job, chosen, now, calendar.local_day(now, chosen.zone))


def reward(reward_id: str = "coffee", cost: int = 100, stock: int | None = None, **fields: Any) -> RewardRecord:
    """An active reward of the catalog, as the store reads it; ``fields`` are the contract's (a
    ``per_member_limit``, a ``min_tier``, ``active``)."""
    return RewardRecord(reward_id, {"name": reward_id, "kind": "voucher", "cost_points": cost, **fields}, stock, 7)


def by_role(items: list[TxItem]) -> dict[str, dict[str, Any]]:
    """A planned transaction's items by role, as their requests (Put, Update, Delete)."""
    found: dict[str, dict[str, Any]] = {}
    for item in items:
        assert item.role not in found, f"two items of role {item.role}"
        found[item.role] = item.request
    return found


def put(request: dict[str, Any]) -> Item:
    """The item a Put request writes, in plain values."""
    return from_item(request["Put"]["Item"])


def values(request: dict[str, Any]) -> Item:
    """An Update request's values (its ``:names``), in plain values: what the update sets or adds."""
    return from_item(request["Update"]["ExpressionAttributeValues"])


def lots_added(items: list[TxItem]) -> dict[str, int]:
    """The points a planned transaction adds to each expiry day's lot (its ``ADD #dN :deltaN`` parts)."""
    added: dict[str, int] = {}
    for item in items:
        if item.role != "lot" or "Update" not in item.request:
            continue
        update = item.request["Update"]
        month = keys.month_of_lot(str(from_item(update["Key"])["SK"]))
        names, given = update["ExpressionAttributeNames"], from_item(update.get("ExpressionAttributeValues", {}))
        for number in re.findall(r"#d(\d+) :delta\1\b", update["UpdateExpression"]):
            day = f"{month}-{names[f'#d{number}'][1:]}"
            added[day] = added.get(day, 0) + int(given[f":delta{number}"])
    return added
