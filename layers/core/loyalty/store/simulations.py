"""What-if simulations: one item each (the proposed program, the state, the answer once run)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from loyalty.store import items, keys
from loyalty.store.client import Item

Status = Literal["waiting", "running", "done", "failed"]


@dataclass(frozen=True)
class SimulationRecord:
    simulation_id: str
    status: Status
    created_at: str
    program: str  # the proposed program, as JSON text
    key_id: str | None = None
    object_key: str | None = None
    result: str | None = None  # the answer, as JSON text (status done)
    reason: str | None = None  # why it failed (status failed)

    def to_item(self) -> Item:
        return items.present({**keys.simulation(self.simulation_id), **items.attributes(self)})

    @classmethod
    def from_item(cls, item: Item) -> SimulationRecord:
        return items.build(cls, item)


def create(record: SimulationRecord) -> tuple[SimulationRecord, bool]:
    """Store a new simulation; ``(existing, False)`` when the id is taken."""
    written, old = items.put(record.to_item(), items.NEW, old=True)
    if written:
        return record, True
    return SimulationRecord.from_item(old) if old else (get(record.simulation_id) or record), False


def get(simulation_id: str) -> SimulationRecord | None:
    return items.get(keys.simulation(simulation_id), SimulationRecord.from_item)


def start(simulation_id: str, at: str) -> bool:
    """waiting -> running, once: an upload event delivered again, or a second upload, runs nothing more."""
    marks = {":waiting": "waiting", ":running": "running", ":at": at}
    expression = "SET #status = :running, started_at = :at"
    return items.update(
        keys.simulation(simulation_id), expression, "#status = :waiting", {"#status": "status", **marks}
    ).written


def finish(
    simulation_id: str, status: Status, at: str, *, result: str | None = None, reason: str | None = None
) -> None:
    """running -> done (with the answer) or failed (with the reason)."""
    marks = {"#status": "status", ":status": status, ":at": at, ":running": "running"}
    expression = "SET #status = :status, finished_at = :at"
    if result is not None:
        expression += ", #result = :result"
        marks |= {"#result": "result", ":result": result}
    if reason is not None:
        expression += ", reason = :reason"
        marks[":reason"] = reason
    items.update(keys.simulation(simulation_id), expression, "#status = :running", marks)
