"""What-if simulations through the API, as bulk imports work (loyalty.services.imports).

1. ``create`` (POST /v1/admin/simulations): the proposed program is checked and recorded (waiting) and a
   presigned PUT URL handed out for the orders file. The same simulation_id again, while it waits, gets a
   fresh URL (200); once its file has run, 409.
2. ``file_arrived`` (the imports bucket's upload event, prefix ``simulations/``): the simulation moves to
   running once (a repeated event runs nothing), the file is read (JSON lines or a Shopify orders CSV,
   at most MAX_FILE_BYTES) and replayed under the stored program and the proposed one
   (loyalty.services.simulation: pure, in memory), and the answer is stored: done, or failed with why.
3. ``report`` (GET /v1/admin/simulations/{simulation_id}): the state and, once done, the answer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

from loyalty.adapters import clock, uploads
from loyalty.domain.errors import Conflict, InvalidInput, NotFound, ProgramNotConfigured
from loyalty.models.common import rfc3339
from loyalty.models.program import Program
from loyalty.models.simulations import SimulationCreated, SimulationReport
from loyalty.services import program as programs
from loyalty.services import simulation, simulation_files
from loyalty.services.imports import id_in_key
from loyalty.store import simulations as store

KEY_PREFIX = "simulations/"
KEY_SUFFIX = ".orders"
# A Shopify export of a million line items is about 300 MB; the function's memory (template.yaml) holds
# a file this size as text and its orders with room to spare.
MAX_FILE_BYTES = 200_000_000


def object_key(simulation_id: str) -> str:
    return f"{KEY_PREFIX}{simulation_id}{KEY_SUFFIX}"


def simulation_id_of(key: str) -> str | None:
    return id_in_key(key, KEY_PREFIX, KEY_SUFFIX)


def answer_for(current: Program, proposed: Program, read: simulation_files.Orders) -> dict[str, Any]:
    """The simulator's answer for orders read from a file: both programs must be in the file's currency."""
    for name, program in (("current", current), ("proposed", proposed)):
        if read.currency is not None and program.currency != read.currency:
            raise InvalidInput(
                f"The orders are in {read.currency}; the {name} program's currency is {program.currency}.", [name]
            )
    if proposed.currency != current.currency:
        raise InvalidInput("The two programs have different currencies.", ["program", "currency"])
    answer = simulation.compare(current, proposed, read.orders)
    return {**answer, "skipped": read.skipped}


# --- the API -----------------------------------------------------------------------------------------


def create(simulation_id: str, proposed: Program, key_id: str | None = None) -> tuple[SimulationCreated, bool]:
    programs.current()  # nothing to compare with until a program is stored: 409 program_not_configured
    record = store.SimulationRecord(
        simulation_id,
        "waiting",
        rfc3339(clock.now()),
        proposed.model_dump_json(exclude_none=True),
        key_id,
        object_key(simulation_id),
    )
    stored, created = store.create(record)
    if not created and stored.status != "waiting":
        raise Conflict(f"Simulation '{simulation_id}' has run; use a new simulation_id for another one.")
    url = uploads.upload_url(object_key(simulation_id))
    return SimulationCreated(simulation_id=simulation_id, upload_url=url), created


def report(simulation_id: str) -> SimulationReport:
    record = store.get(simulation_id)
    if record is None:
        raise NotFound(f"No simulation '{simulation_id}'.")
    return SimulationReport(
        simulation_id=simulation_id,
        status=record.status,
        reason=record.reason if record.status == "failed" else None,
        result=json.loads(record.result) if record.result else None,
    )


# --- the upload event --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Arrival:
    simulation_id: str | None
    outcome: str  # done | failed | not_waiting | unknown | not_a_simulation | missing
    reason: str | None = None


def file_arrived(bucket: str, key: str, etag: str, size: int | None) -> Arrival:
    simulation_id = simulation_id_of(key)
    if simulation_id is None:
        return Arrival(None, "not_a_simulation")
    record = store.get(simulation_id)
    if record is None:
        return Arrival(simulation_id, "unknown")
    if not store.start(simulation_id, rfc3339(clock.now())):
        return Arrival(simulation_id, "not_waiting")
    try:
        if size is not None and size > MAX_FILE_BYTES:
            raise InvalidInput(f"The file is {size} bytes; a simulation takes at most {MAX_FILE_BYTES}.", ["file"])
        try:
            raw = b"\n".join(uploads.lines(bucket, unquote_plus(key), etag))
        except uploads.Unavailable as error:
            raise InvalidInput(f"The file is {error}.", ["file"]) from None
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidInput("The file is not UTF-8 text (JSON lines or a Shopify orders CSV).", ["file"]) from None
        proposed = Program.model_validate_json(record.program)
        answer = answer_for(programs.current(), proposed, simulation_files.read(text))
    except (InvalidInput, ProgramNotConfigured) as error:
        store.finish(simulation_id, "failed", rfc3339(clock.now()), reason=str(error))
        return Arrival(simulation_id, "failed", str(error))
    store.finish(simulation_id, "done", rfc3339(clock.now()), result=json.dumps(answer))
    return Arrival(simulation_id, "done")
