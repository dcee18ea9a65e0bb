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
from typing import Any, Literal

from botocore.exceptions import ClientError

from loyalty.store import keys, transactions
from loyalty.store.client import Item, condition_failed, dynamodb, from_item, table_name, to_item, to_value
from loyalty.store.entries import EntryFields
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
        item: Item = {
            **keys.import_job(self.import_id),
            "import_id": self.import_id,
            "status": self.status,
            "created_at": self.created_at,
            "key_id": self.key_id,
            "object_key": self.object_key,
            "etag": self.etag,
            "rows": self.rows,
            "chunks": self.chunks,
            "queued": self.queued or None,
            "chunks_done": self.chunks_done,
            "imported": self.imported,
            "rejected": self.rejected,
            "reason": self.reason,
        }
        return {name: value for name, value in item.items() if value is not None}

    @classmethod
    def from_item(cls, item: Item) -> ImportRecord:
        return cls(
            import_id=str(item["import_id"]),
            status=item["status"] if item.get("status") in ("running", "failed") else "waiting",
            created_at=str(item["created_at"]),
            key_id=item.get("key_id"),
            object_key=item.get("object_key"),
            etag=item.get("etag"),
            rows=int(item.get("rows", 0)),
            chunks=int(item.get("chunks", 0)),
            queued=bool(item.get("queued", False)),
            chunks_done=int(item.get("chunks_done", 0)),
            imported=int(item.get("imported", 0)),
            rejected=int(item.get("rejected", 0)),
            reason=item.get("reason"),
        )


def create(record: ImportRecord) -> tuple[ImportRecord, bool]:
    """Store a new import; ``(existing, False)`` when the id is taken."""
    try:
        dynamodb().put_item(
            TableName=table_name(),
            Item=to_item(record.to_item()),
            ConditionExpression="attribute_not_exists(PK)",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    except ClientError as error:
        if not condition_failed(error):
            raise
        old: dict[str, Any] = error.response.get("Item") or {}  # type: ignore[assignment]
        return ImportRecord.from_item(from_item(old)) if old else (get(record.import_id) or record), False
    return record, True


def get(import_id: str) -> ImportRecord | None:
    answer = dynamodb().get_item(TableName=table_name(), Key=to_item(keys.import_job(import_id)), ConsistentRead=True)
    return ImportRecord.from_item(from_item(answer["Item"])) if "Item" in answer else None


Started = Literal["started", "unknown", "other_file"]


def start(import_id: str, etag: str, at: str) -> Started:
    """The file has arrived: running. Again for the same file (an event sent twice, the file uploaded
    again) it changes nothing, except that an import that failed runs again (its reason goes: the chunks
    it had done are skipped); another file for the same import is refused."""
    try:
        dynamodb().update_item(
            TableName=table_name(),
            Key=to_item(keys.import_job(import_id)),
            UpdateExpression=(
                "SET #status = :running, etag = :etag, started_at = if_not_exists(started_at, :at) REMOVE reason"
            ),
            ConditionExpression="attribute_exists(PK) AND (attribute_not_exists(etag) OR etag = :etag)",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={
                ":running": to_value("running"),
                ":etag": to_value(etag),
                ":at": to_value(at),
            },
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    except ClientError as error:
        if not condition_failed(error):
            raise
        return "other_file" if error.response.get("Item") else "unknown"
    return "started"


def fail(import_id: str, reason: str, at: str, etag: str | None = None, *, started: bool = False) -> bool:
    """The import's work has stopped: failed, with why; False when nothing changed. The first reason
    stays (a later failure is most often a consequence of it). With ``etag`` the failure is that file's:
    only when the import has no file yet or has this one, so a file refused never fails an import running
    another; ``started``: only when it runs this file and its chunks are not all queued (a repeated event
    that fails changes nothing in an import whose chunks are on their way)."""
    condition = "attribute_exists(PK) AND attribute_not_exists(reason)"
    values = {":failed": to_value("failed"), ":reason": to_value(reason), ":at": to_value(at)}
    if etag is not None:
        condition += (
            " AND etag = :etag AND attribute_not_exists(queued)"
            if started
            else " AND (attribute_not_exists(etag) OR etag = :etag)"
        )
        values[":etag"] = to_value(etag)
    try:
        dynamodb().update_item(
            TableName=table_name(),
            Key=to_item(keys.import_job(import_id)),
            UpdateExpression="SET #status = :failed, reason = :reason, failed_at = :at",
            ConditionExpression=condition,
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues=values,
        )
    except ClientError as error:
        if not condition_failed(error):
            raise
        return False
    return True


def counted(import_id: str, rows: int, chunks: int) -> None:
    """Every chunk of the file is queued: how many rows and chunks it has (the same again for the same
    file). The import is done once that many chunks are."""
    dynamodb().update_item(
        TableName=table_name(),
        Key=to_item(keys.import_job(import_id)),
        UpdateExpression="SET #rows = :rows, chunks = :chunks, queued = :yes",
        ExpressionAttributeNames={"#rows": "rows"},
        ExpressionAttributeValues={":rows": to_value(rows), ":chunks": to_value(chunks), ":yes": to_value(True)},
    )


def chunk_is_done(import_id: str, chunk: int) -> bool:
    answer = dynamodb().get_item(
        TableName=table_name(), Key=to_item(keys.import_chunk(import_id, chunk)), ConsistentRead=True
    )
    return "Item" in answer


@dataclass(frozen=True)
class ChunkResult:
    imported: int
    rejected: int
    errors: Sequence[tuple[int, str]] = field(default_factory=tuple)  # (line, msg), by line


def chunk_done(import_id: str, chunk: int, result: ChunkResult, at: str) -> bool:
    """Add a chunk's counts to its import, once; False when the chunk was already counted."""
    items = [
        TxItem(
            "chunk",
            {
                "Put": {
                    "TableName": table_name(),
                    "Item": to_item(
                        {
                            **keys.import_chunk(import_id, chunk),
                            "imported": result.imported,
                            "rejected": result.rejected,
                            "at": at,
                        }
                    ),
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            },
        ),
        TxItem(
            "import",
            {
                "Update": {
                    "TableName": table_name(),
                    "Key": to_item(keys.import_job(import_id)),
                    "UpdateExpression": "ADD chunks_done :one, imported :imported, rejected :rejected",
                    "ConditionExpression": "attribute_exists(PK)",
                    "ExpressionAttributeValues": {
                        ":one": to_value(1),
                        ":imported": to_value(result.imported),
                        ":rejected": to_value(result.rejected),
                    },
                }
            },
        ),
    ]
    if result.errors:
        errors = [{"line": line, "msg": msg} for line, msg in result.errors]
        items.append(
            TxItem(
                "errors",
                {
                    "Put": {
                        "TableName": table_name(),
                        "Item": to_item({**keys.import_errors(import_id, chunk), "errors": errors}),
                    }
                },
            )
        )
    outcome = transactions.run(items)
    if outcome.written:
        return True
    if outcome.failed_role("chunk"):
        return False
    raise RuntimeError(f"chunk {chunk} of import {import_id} could not be counted; it will be retried")


def errors(import_id: str, limit: int) -> list[tuple[int, str]]:
    """The first ``limit`` rejected lines, by line: the chunks with errors only, in chunk order."""
    found: list[tuple[int, str]] = []
    request: dict[str, Any] = {
        "TableName": table_name(),
        "KeyConditionExpression": "PK = :pk AND begins_with(SK, :errors)",
        "ExpressionAttributeValues": {
            ":pk": to_value(keys.import_partition(import_id)),
            ":errors": to_value(keys.IMPORT_ERRORS_PREFIX),
        },
        "ConsistentRead": True,
        "Limit": 10,
    }
    while len(found) < limit:
        answer = dynamodb().query(**request)
        for raw in answer.get("Items", []):
            found += [(int(error["line"]), str(error["msg"])) for error in from_item(raw).get("errors", [])]
        start = answer.get("LastEvaluatedKey")
        if start is None:
            break
        request["ExclusiveStartKey"] = start
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
        return {
            **keys.import_entry(self.import_id, self.entry.member_id),
            **self.entry.to_item(),
            "import_id": self.import_id,
            "line": self.line,
            "reason": IMPORT_REASON,
            "lots": [
                {"points": lot.points, "earned_on": lot.earned_on, "expires_on": lot.expires_on} for lot in self.lots
            ],
        }


def entry_put(record: ImportEntry) -> TxItem:
    """The member's import entry, an item of its enrollment's transaction: put once."""
    return TxItem(
        IMPORT_ENTRY_ROLE,
        {
            "Put": {
                "TableName": table_name(),
                "Item": to_item(record.to_item()),
                "ConditionExpression": "attribute_not_exists(PK)",
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        },
    )


def entry_line(item: Item | None) -> int | None:
    """The line an existing import entry came from (None: no entry was returned)."""
    return int(item["line"]) if item and "line" in item else None
