"""Bulk imports: the import item, its chunks done, their rejected lines, and a member's ``import`` entry.

``IMPORT#<import_id>`` / ``IMPORT`` holds the state (waiting until the file arrives, then running; failed
with its ``reason`` when its work stopped) and the counters. A chunk's counts are added once: the
``CHUNK#<n>`` item is put with ``attribute_not_exists`` in the same transaction that adds them, so a
chunk delivered twice (SQS redelivery, the same file uploaded again) counts once. A chunk with
rejected lines puts them in an ``ERRORS#<n>`` item, so the report reads the errors in line order
without reading the chunks that had none.

A member's ``IMPORTED#<import_id>#<member_id>`` item is its ``import`` ledger entry (the points of every
lot it brought, each lot listed), put with ``attribute_not_exists`` in the member's enrollment
transaction: the key that makes the import of that member happen once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from loyalty.store import items, keys, transactions
from loyalty.store.client import Item
from loyalty.store.entries import EntryFields, with_entry
from loyalty.store.transactions import TxItem

IMPORT_ENTRY_ROLE = "import_entry"
IMPORT_REASON = "import"


@dataclass(frozen=True)
class ImportRecord:
    import_id: str
    status: Literal["waiting", "running", "failed"]
    created_at: str
    key_id: str | None = None
    object_key: str | None = None
    etag: str | None = None  # the uploaded file's, once the trigger saw it
    rows: int = 0
    chunks: int = 0
    queued: bool = False  # every chunk of the file is on the queue: ``rows`` and ``chunks`` are known
    chunks_done: int = 0
    imported: int = 0
    rejected: int = 0
    reason: str | None = None  # why it failed (status failed)

    def to_item(self) -> Item:
        stored = {**items.attributes(self, but=("queued",)), "queued": self.queued or None}
        return items.present({**keys.import_job(self.import_id), **stored})

    @classmethod
    def from_item(cls, item: Item) -> ImportRecord:
        status = item["status"] if item.get("status") in ("running", "failed") else "waiting"
        return items.build(cls, item, status=status)


def create(record: ImportRecord) -> tuple[ImportRecord, bool]:
    """Store a new import; ``(existing, False)`` when the id is taken."""
    written, old = items.put(record.to_item(), items.NEW, old=True)
    if written:
        return record, True
    return ImportRecord.from_item(old) if old else (get(record.import_id) or record), False


def get(import_id: str) -> ImportRecord | None:
    return items.get(keys.import_job(import_id), ImportRecord.from_item)


Started = Literal["started", "unknown", "other_file"]


def start(import_id: str, etag: str, at: str) -> Started:
    """The file has arrived: running. Again for the same file (an event sent twice, the file uploaded
    again) it changes nothing, except that an import that failed runs again (its reason goes: the chunks
    it had done are skipped); another file for the same import is refused."""
    written, old = items.update(
        keys.import_job(import_id),
        "SET #status = :running, etag = :etag, started_at = if_not_exists(started_at, :at) REMOVE reason",
        "attribute_exists(PK) AND (attribute_not_exists(etag) OR etag = :etag)",
        {"#status": "status", ":running": "running", ":etag": etag, ":at": at},
        old=True,
    )
    if written:
        return "started"
    return "other_file" if old else "unknown"


def fail(import_id: str, reason: str, at: str, etag: str | None = None, *, started: bool = False) -> bool:
    """The import's work has stopped: failed, with why; False when nothing changed. The first reason
    stays (a later failure is most often a consequence of it). With ``etag`` the failure is that file's:
    only when the import has no file yet or has this one, so a file refused never fails an import running
    another; ``started``: only when it runs this file and its chunks are not all queued (a repeated event
    that fails changes nothing in an import whose chunks are on their way)."""
    condition = "attribute_exists(PK) AND attribute_not_exists(reason)"
    marks = {"#status": "status", ":failed": "failed", ":reason": reason, ":at": at}
    if etag is not None:
        condition += (
            " AND etag = :etag AND attribute_not_exists(queued)"
            if started
            else " AND (attribute_not_exists(etag) OR etag = :etag)"
        )
        marks[":etag"] = etag
    expression = "SET #status = :failed, reason = :reason, failed_at = :at"
    key = keys.import_job(import_id)
    return items.update(key, expression, condition, marks).written


def counted(import_id: str, rows: int, chunks: int) -> None:
    """Every chunk of the file is queued: how many rows and chunks it has (the same again for the same
    file). The import is done once that many chunks are."""
    marks = {"#rows": "rows", ":rows": rows, ":chunks": chunks, ":yes": True}
    items.update(keys.import_job(import_id), "SET #rows = :rows, chunks = :chunks, queued = :yes", None, marks)


def chunk_is_done(import_id: str, chunk: int) -> bool:
    return items.get(keys.import_chunk(import_id, chunk), lambda _item: True) is not None


@dataclass(frozen=True)
class ChunkResult:
    imported: int
    rejected: int
    errors: Sequence[tuple[int, str]] = field(default_factory=tuple)  # (line, msg), by line


def chunk_done(import_id: str, chunk: int, result: ChunkResult, at: str) -> bool:
    """Add a chunk's counts to its import, once; False when the chunk was already counted."""
    counts = {"imported": result.imported, "rejected": result.rejected}
    writes = [
        items.put_tx("chunk", {**keys.import_chunk(import_id, chunk), **counts, "at": at}, items.NEW),
        items.update_tx(
            "import",
            keys.import_job(import_id),
            "ADD chunks_done :one, imported :imported, rejected :rejected",
            "attribute_exists(PK)",
            {":one": 1, ":imported": result.imported, ":rejected": result.rejected},
        ),
    ]
    if result.errors:
        errors = [{"line": line, "msg": msg} for line, msg in result.errors]
        writes.append(items.put_tx("errors", {**keys.import_errors(import_id, chunk), "errors": errors}))
    outcome = transactions.run(writes)
    if outcome.written:
        return True
    if outcome.failed_role("chunk"):
        return False
    raise RuntimeError(f"chunk {chunk} of import {import_id} could not be counted; it will be retried")


def errors(import_id: str, limit: int) -> list[tuple[int, str]]:
    """The first ``limit`` rejected lines, by line: the chunks with errors only, in chunk order."""
    found: list[tuple[int, str]] = []
    request = items.query(keys.import_partition(import_id), prefix=keys.IMPORT_ERRORS_PREFIX, consistent=True, limit=10)
    for page in items.pages(request):
        found += [(int(error["line"]), str(error["msg"])) for item in page for error in item.get("errors", [])]
        if len(found) >= limit:
            break
    return found[:limit]


@dataclass(frozen=True)
class ImportedLot:
    points: int
    earned_on: str
    expires_on: str


@dataclass(frozen=True)
class ImportEntry:
    """A member's ``import`` entry: the points of the lots it brought (each listed, with its days)."""

    import_id: str
    line: int  # the file's line it came from
    entry: EntryFields
    lots: Sequence[ImportedLot]

    def to_item(self) -> Item:
        lots = [items.attributes(lot) for lot in self.lots]
        key = keys.import_entry(self.import_id, self.entry.member_id)
        return {**with_entry(key, self, but=("lots",)), "reason": IMPORT_REASON, "lots": lots}


def entry_put(record: ImportEntry) -> TxItem:
    """The member's import entry, an item of its enrollment's transaction: put once."""
    return items.put_tx(IMPORT_ENTRY_ROLE, record.to_item(), items.NEW, old=True)


def entry_line(item: Item | None) -> int | None:
    """The line an existing import entry came from (None: no entry was returned)."""
    return int(item["line"]) if item and "line" in item else None
