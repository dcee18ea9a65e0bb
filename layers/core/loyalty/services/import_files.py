"""A bulk import's file, from the upload event to the imports queue (step 2 of loyalty.services.imports).

The file read is the one the upload event named: GetObject with IfMatch on the event's ETag, so a later
upload over the same key changes nothing in an import that is running (that later file's own event is
refused: an import takes one file). A file over MAX_FILE_BYTES is refused by the event's size, before
a byte of it is read. Its lines travel in chunks bounded by lines (``import_chunk_lines``) and by bytes
(what one SQS message holds), so no chunk is too long for the queue.

Whatever stops the work before every chunk is queued (SQS refusing, S3 failing past its retries, a file
that is not UTF-8 text at all) marks the import ``failed`` with the reason, and the trigger ends: an
import never stays ``running`` with nothing on its way. The same file uploaded again to that import
(POST /v1/admin/imports with its id gives a fresh URL while its chunks are not all queued) runs it
again: the chunks already imported are skipped.

A line is never read by the trigger beyond its bytes: one that is not UTF-8, or longer than
MAX_LINE_BYTES, travels as a marker the worker rejects with its line number.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import unquote_plus

from botocore.exceptions import BotoCoreError, ClientError

from loyalty.adapters import clock, imports_queue, uploads
from loyalty.models.common import rfc3339
from loyalty.models.imports import ImportChunk
from loyalty.services.imports import MAX_LINE_BYTES, NOT_UTF8, TOO_LONG, import_id_of
from loyalty.settings import settings
from loyalty.store import imports as import_store

MAX_FILE_BYTES = 100_000_000  # 100 MB: 25,000 members of 40 lots, queued well within the trigger's 5 minutes
UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True)
class Arrival:
    import_id: str | None
    # queued | failed (reason says why) | missing (no such file) | replaced (overwritten since the event)
    # | unknown (no such import) | other_file | not_an_import
    outcome: str
    rows: int = 0
    chunks: int = 0
    reason: str | None = None


class Unreadable(ValueError):
    """The whole file cannot be read as JSON lines; the message says why and what to do."""


def decoded(raw: Iterable[bytes], limit: int = MAX_FILE_BYTES) -> Iterator[str]:
    """The file's lines as text. A line that is not UTF-8 or is too long becomes a marker the worker
    rejects with its number; a file that is not text at all (UTF-16, compressed) is Unreadable."""
    read = 0
    for number, found in enumerate(raw, start=1):
        line = found
        read += len(line) + 1
        if read > limit + 1:  # the event's size said otherwise; the bucket's object decides
            raise Unreadable(f"the file is over {limit} bytes: split it into several imports")
        if number == 1:
            if line.startswith(UTF16_BOMS):
                raise Unreadable("the file is UTF-16 text: save it as UTF-8 and upload it again")
            if line.startswith(GZIP_MAGIC):
                raise Unreadable("the file is compressed (gzip): upload the JSON lines themselves")
            line = line.removeprefix(UTF8_BOM)  # spreadsheet exports start with one
        if len(line) > MAX_LINE_BYTES:
            yield TOO_LONG
            continue
        try:
            yield line.decode("utf-8")
        except UnicodeDecodeError:
            yield NOT_UTF8


def _cost(line: str) -> int:
    """What a line adds to a chunk's message: its JSON string and a comma (ASCII: bytes = characters)."""
    return len(json.dumps(line)) + 1


def chunks_of(lines: Iterable[str], size: int, budget: int) -> Iterator[tuple[int, list[str]]]:
    """(first line number, lines) of consecutive lines: at most ``size`` lines and ``budget`` bytes of
    them a chunk. A line that alone passes the budget (one of control characters, each escaped to six
    bytes) travels as the too-long marker."""
    batch: list[str] = []
    used = 0
    first = 1
    for number, found in enumerate(lines, start=1):
        line, cost = found, _cost(found)
        if cost > budget:
            line, cost = TOO_LONG, _cost(TOO_LONG)
        if batch and (len(batch) == size or used + cost > budget):
            yield first, batch
            batch, used = [], 0
        if not batch:
            first = number
        batch.append(line)
        used += cost
    if batch:
        yield first, batch


def budget_for(import_id: str) -> int:
    """The bytes a chunk's lines may take: a message's limit less the chunk's other fields (at their
    longest)."""
    envelope = ImportChunk(import_id=import_id, chunk=10**9, first_line=10**12, lines=[])
    return imports_queue.MAX_MESSAGE_BYTES - len(imports_queue.body_of(envelope.model_dump()))


def _queue(import_id: str, lines: Iterable[str]) -> tuple[int, int]:
    size = settings().import_chunk_lines
    rows = chunks = 0
    pending: list[dict[str, object]] = []
    for first, chunk_lines in chunks_of(lines, size, budget_for(import_id)):
        rows += sum(1 for line in chunk_lines if line.strip())
        message = ImportChunk(import_id=import_id, chunk=chunks, first_line=first, lines=chunk_lines)
        pending.append(message.model_dump())
        chunks += 1
        if len(pending) == imports_queue.BATCH:
            imports_queue.send(pending)
            pending = []
    if pending:
        imports_queue.send(pending)
    return rows, chunks


def _why(error: Exception) -> str:
    """The reason an import shows: the service's own words, or the AWS error's code (never a message,
    which may quote a request)."""
    if isinstance(error, Unreadable):
        return str(error)
    if isinstance(error, imports_queue.NotQueued):
        return f"the file could not be queued: {error}; upload it again to the same import to resume"
    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code", "unknown")
        return f"the file could not be read (S3 answered {code}); upload it again to the same import to resume"
    if isinstance(error, BotoCoreError):
        return f"the file could not be read ({type(error).__name__}); upload it again to the same import to resume"
    return f"the file could not be queued ({type(error).__name__}); upload it again to the same import to resume"


def file_arrived(bucket: str, key: str, etag: str, size: int | None = None) -> Arrival:  # noqa: PLR0911 - one per outcome
    """Queue the uploaded file in chunks. Sent again (S3 delivers an event at least once, or the same
    file is uploaded again) it queues the same chunks again, which the worker finds done."""
    import_id = import_id_of(key)
    if import_id is None:
        return Arrival(None, "not_an_import")
    at = rfc3339(clock.now())
    if size is not None and size > MAX_FILE_BYTES:
        reason = f"the file is {size} bytes; an import takes at most {MAX_FILE_BYTES}: split it into several imports"
        changed = import_store.fail(import_id, reason, at, etag)
        return Arrival(import_id, "failed" if changed else "other_file", reason=reason)
    try:
        raw = uploads.lines(bucket, unquote_plus(key), etag)
    except uploads.Unavailable as gone:
        if not gone.replaced:
            return Arrival(import_id, "missing")
        # Overwritten: this event's file is gone. If the import was running it (a retried trigger), it
        # cannot finish; if not, the later file's own event starts the import.
        reason = "the file was replaced by another upload while it was being imported"
        changed = import_store.fail(import_id, reason, at, etag, started=True)
        return Arrival(import_id, "failed" if changed else "replaced", reason=reason if changed else None)
    except (ClientError, BotoCoreError) as error:  # S3 failed past the client's retries
        reason = _why(error)
        changed = import_store.fail(import_id, reason, at, etag)
        return Arrival(import_id, "failed" if changed else "other_file", reason=reason)
    lines = decoded(raw)
    try:
        # The first line says whether the file is text at all: refused before the import takes the file,
        # so the same import takes the file saved right.
        first = list(itertools.islice(lines, 1))
    except Unreadable as error:
        changed = import_store.fail(import_id, str(error), at, etag)
        return Arrival(import_id, "failed" if changed else "other_file", reason=str(error))
    except (ClientError, BotoCoreError) as error:
        changed = import_store.fail(import_id, _why(error), at, etag)
        return Arrival(import_id, "failed" if changed else "other_file", reason=_why(error))
    started = import_store.start(import_id, etag, at)
    if started != "started":
        return Arrival(import_id, started)
    try:
        rows, chunks = _queue(import_id, itertools.chain(first, lines))
    except Exception as error:  # whatever stopped it, the import must say so (the trigger is not retried)
        reason = _why(error)
        import_store.fail(import_id, reason, rfc3339(clock.now()), etag, started=True)
        return Arrival(import_id, "failed", reason=reason)
    import_store.counted(import_id, rows, chunks)
    return Arrival(import_id, "queued", rows, chunks)
