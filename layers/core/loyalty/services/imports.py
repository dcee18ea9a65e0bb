"""Bulk import of members and their points from another platform (JSON lines uploaded to S3).

1. ``create``: the import is recorded (waiting) and a presigned PUT URL handed out.
2. ``file_arrived`` (the bucket's upload event, loyalty.services.import_files): the file is read line
   by line and queued in chunks; the import is running, or failed with the reason its file was not queued.
3. ``work_chunk`` (the imports queue): each line is checked and its member enrolled with its lots,
   tier and consent in one transaction, exactly as an enrollment writes it (loyalty.store.enrollment)
   plus an ``import`` ledger entry that explains the points. That entry is keyed by import and member, so
   a chunk delivered again, a crashed run resumed or the same file uploaded again changes nothing. A bad
   line is rejected with its line number and the rest of the file is imported.
4. ``report``: the counters and the first rejected lines; ``failed`` and why when the work stopped (the
   file was not queued, or a chunk failed on its last receive: see ``work_chunk``).

An imported member is an enrolled member in every way the jobs and the balances see: its lots are the
lot items of its expiry months, its due days are a new member's (moved sooner by its points, as any
credit does), its tier carries a window of grace from the import day (as a tier reached by earning),
and the points earned within the tier window count as qualifying points.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import unquote_plus

from pydantic import ValidationError

from loyalty.adapters import clock, randomness, uploads
from loyalty.domain import calendar, holdout, tiers
from loyalty.domain.balances import Balances
from loyalty.domain.errors import Conflict, NotFound
from loyalty.domain.events import Event
from loyalty.domain.tiers import Qualifying
from loyalty.models.common import MAX_SAFE_INTEGER, rfc3339
from loyalty.models.imports import (
    MAX_ERRORS_SHOWN,
    ImportChunk,
    ImportCreated,
    ImportLineError,
    ImportReport,
    ImportRow,
)
from loyalty.models.program import Program
from loyalty.services import program as programs
from loyalty.services.member_writes import with_points
from loyalty.services.members import first_due_days
from loyalty.store import enrollment, write_loop
from loyalty.store import imports as import_store
from loyalty.store.enrollment import EnrollConflict
from loyalty.store.entries import EntryFields
from loyalty.store.imports import ChunkResult, ImportedLot, ImportEntry, ImportRecord
from loyalty.store.member_record import ConsentRecord, MemberRecord
from loyalty.store.write_loop import Again, Prepared

KEY_PREFIX = "imports/"
KEY_SUFFIX = ".jsonl"
MAX_LINE_BYTES = 64_000  # a line of 40 lots is under 4 KB; anything this long is not a member
# Markers the trigger sends for a line it cannot carry: no JSON line holds a raw NUL, so none is mistaken.
TOO_LONG = "\x00too long"
NOT_UTF8 = "\x00not utf-8"
MAX_RECEIVES = 3  # the imports queue's maxReceiveCount (template.yaml; a contract test keeps them equal)


def object_key(import_id: str) -> str:
    return f"{KEY_PREFIX}{import_id}{KEY_SUFFIX}"


def id_in_key(key: str, prefix: str, suffix: str) -> str | None:
    """The id an uploaded object's key names between ``prefix`` and ``suffix`` (S3 event keys are
    URL-encoded), or None."""
    key = unquote_plus(key)
    if not (key.startswith(prefix) and key.endswith(suffix)):
        return None
    return key[len(prefix) : -len(suffix)] or None


def import_id_of(key: str) -> str | None:
    """The import an uploaded object belongs to, or None."""
    return id_in_key(key, KEY_PREFIX, KEY_SUFFIX)


# --- the API -----------------------------------------------------------------------------------------


def create(import_id: str, key_id: str | None = None) -> tuple[ImportCreated, bool]:
    """A new import and where to upload its file; the same import again gets a fresh URL."""
    record = ImportRecord(import_id, "waiting", rfc3339(clock.now()), key_id, object_key(import_id))
    stored, created = import_store.create(record)
    if not created and stored.queued:
        raise Conflict(f"Import '{import_id}' already has its file; use a new import_id for another one.")
    return ImportCreated(import_id=import_id, upload_url=uploads.upload_url(object_key(import_id))), created


def report(import_id: str) -> ImportReport:
    record = import_store.get(import_id)
    if record is None:
        raise NotFound(f"No import '{import_id}'.")
    done = record.queued and record.chunks_done >= record.chunks
    # Done wins over failed: a failed chunk redriven from the dead-letter queue finishes the import.
    status = "done" if done else record.status
    shown = import_store.errors(import_id, MAX_ERRORS_SHOWN) if record.rejected else []
    return ImportReport(
        import_id=import_id,
        status=status,
        reason=record.reason if status == "failed" else None,
        rows=record.rows,
        imported=record.imported,
        rejected=record.rejected,
        errors=[ImportLineError(line=line, msg=msg) for line, msg in shown],
    )


# --- the worker --------------------------------------------------------------------------------------


class Rejected(ValueError):
    """A line that cannot be imported; its message is what the report shows (never the line's data)."""


def _problem(error: ValidationError) -> str:
    """Where and what is wrong, without the input (a line holds personal data)."""
    first = error.errors(include_url=False, include_input=False)[0]
    where = ".".join(str(part) for part in first["loc"])
    if first["type"] == "value_error" and not where:  # the row's own check says where: no pydantic prefix
        first["msg"] = str(first.get("ctx", {}).get("error", first["msg"]))
    more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
    return f"{where}: {first['msg']}{more}" if where else f"{first['msg']}{more}"


def parse(line: str) -> ImportRow:
    if line == TOO_LONG:
        raise Rejected(f"line longer than {MAX_LINE_BYTES} bytes")
    if line == NOT_UTF8:
        raise Rejected("not UTF-8 text (save the file as UTF-8)")
    try:
        data = json.loads(line)
    except ValueError:
        raise Rejected("not JSON") from None
    if not isinstance(data, dict):
        raise Rejected("not a JSON object")
    try:
        return ImportRow.model_validate(data)
    except ValidationError as error:
        raise Rejected(_problem(error)) from None


@dataclass(frozen=True)
class Plan:
    """What one line becomes: the member, its lots by expiry day, its entry and consent."""

    record: MemberRecord
    lot_days: dict[str, int]
    lots: list[ImportedLot]
    total: int


def member_of(row: ImportRow, program: Program, now: datetime, referral_code: str) -> Plan:
    """The member a row describes, checked against the program; Rejected when it cannot be."""
    zone = program.zone
    today = calendar.local_day(now, zone)
    names = [tier.name for tier in program.tiers]
    tier = row.tier if row.tier is not None else names[0]
    if tier not in names:
        raise Rejected(f"tier: the program has no tier '{tier}' (it has {', '.join(names)})")
    enrolled = row.enrolled_at or now
    if enrolled > now:
        raise Rejected("enrolled_at: is in the future")
    lot_days: dict[str, int] = {}
    lots: list[ImportedLot] = []
    window = program.tier_window_days
    qualifying = Qualifying(tiers.bucket_days(window))
    last_activity = enrolled
    for i, lot in enumerate(row.lots):
        if lot.earned_on > today:
            raise Rejected(f"lots.{i}.earned_on: is in the future")
        earned_at = calendar.start_of_day(lot.earned_on, zone)
        expires: date = lot.expires_on or calendar.expires_on(
            earned_at, zone, program.expiry_months, program.month_expiry_from
        )
        if expires < lot.earned_on:
            raise Rejected(f"lots.{i}.expires_on: is before earned_on")
        if expires < today:
            raise Rejected(f"lots.{i}.expires_on: the points expired already")
        day = expires.isoformat()
        lot_days[day] = lot_days.get(day, 0) + lot.points
        lots.append(ImportedLot(lot.points, lot.earned_on.isoformat(), day))
        qualifying = tiers.earn(qualifying, lot.earned_on, lot.points, today, window)
        last_activity = max(last_activity, earned_at)
    total = sum(lot_days.values())
    if total * program.point_value_minor > MAX_SAFE_INTEGER:
        # The books carry the points' value in minor units: it must stay in range as the points do.
        raise Rejected(f"lots: the points' value at the program's point value passes 2^53 - 1 ({MAX_SAFE_INTEGER})")
    record = MemberRecord(
        member_id=row.member_id,
        email=row.email,
        name=row.name,
        locale=None,
        status="active",
        enrolled_at=rfc3339(enrolled),
        last_activity_at=rfc3339(last_activity),
        marketing_opt_in=row.marketing_opt_in,
        referral_code=referral_code,
        referred_by=None,
        tier=tier,
        # A tier brought over keeps a window of grace from the import, as a tier reached by earning does.
        tier_since=today.isoformat() if tier != names[0] else None,
        balances=Balances(available=total, lifetime_earned=total),
        qualifying=qualifying,
        due=first_due_days(program, today, row.marketing_opt_in),
        version=1,
        consent_source="import",
        consent_seq=1,
        holdout=holdout.drawn(row.member_id, program.holdout),
    )
    return Plan(with_points(record, lot_days, program), lot_days, lots, total)


def import_row(import_id: str, line: int, row: ImportRow, program: Program, key_id: str | None = None) -> bool:
    """Enroll one row's member with its points; True when imported (now or by an earlier delivery of
    this line), Rejected when it cannot be."""

    def exhausted() -> bool:
        raise RuntimeError(f"line {line} of import {import_id} met concurrent writes; the chunk will be retried")

    return write_loop.write(
        # Nothing to read: each round takes the time and draws the new member's referral code.
        lambda _: (clock.now(), randomness.code()),
        lambda drawn: plan(import_id, line, row, program, key_id, *drawn),
        lambda conflict: collided(line, conflict),
        budget=write_loop.MEMBER,
        contended=f"Line {line} of import {import_id} could not be imported.",
        exhausted=exhausted,
    )


def plan(
    import_id: str, line: int, row: ImportRow, program: Program, key_id: str | None, now: datetime, referral_code: str
) -> Prepared[EnrollConflict, bool]:
    """The row's member enrolled with its lots, tier and consent in one transaction, exactly as an
    enrollment writes it, with its ``import`` entry keyed by import and member (put once)."""
    planned = member_of(row, program, now, referral_code)
    record = planned.record
    at = rfc3339(now)
    entry = ImportEntry(
        import_id,
        line,
        EntryFields(
            row.member_id, "import", f"import:{import_id}:{row.member_id}", planned.total, planned.total, at, key_id
        ),
        planned.lots,
    )
    consent = ConsentRecord(row.marketing_opt_in, "import", key_id, at, seq=0)
    events = [
        Event(
            "member.enrolled",
            {"tier": record.tier, "enrolled_at": record.enrolled_at, "marketing_opt_in": record.marketing_opt_in},
        )
    ]
    if planned.total:
        events.append(
            Event(
                "points.adjusted",
                {"adjustment_id": f"import:{import_id}", "points": planned.total, "reason": "import"},
            )
        )
    # The points brought over enter the books as issued (not by a sale) at the program's point value now:
    # the platform they come from kept no value at issue we could trust.
    items = enrollment.transaction(
        record,
        events,
        at,
        consent,
        calendar.local_day(now, program.zone).isoformat(),
        planned.lot_days,
        [import_store.entry_put(entry)],
        program.point_value_minor,
    )
    return Prepared(items, True, outcome=enrollment.outcome)


def collided(line: int, conflict: EnrollConflict) -> bool | Again:
    """What stood in the way of a line's enrollment: this line's own entry (an earlier delivery imported
    it: True), or why the line is Rejected; a clash of random referral codes tries again at once."""
    previous = conflict.failed.get(import_store.IMPORT_ENTRY_ROLE)
    if previous is not None:
        earlier = import_store.entry_line(previous[0])
        if earlier is None or earlier == line:
            return True  # this line was imported by an earlier delivery: nothing changes
        raise Rejected(f"member_id: already on line {earlier} of this file")
    if conflict.existing is not None:
        raise Rejected("member_id: a member with this id exists already")
    if conflict.email_owner is not None:
        raise Rejected("email: another member holds this email")
    if conflict.referral_clash:
        return Again(pause=False)  # the next round draws another code
    raise Rejected("the member could not be enrolled")


@dataclass(frozen=True)
class Worked:
    chunk: int
    imported: int
    rejected: int
    counted: bool  # False: the chunk had been counted before (a redelivery)


def work_chunk(message: ImportChunk, receives: int = 1) -> Worked:
    """Import a chunk's lines and count them once. A chunk that fails on its last receive (it goes to
    the dead-letter queue next) marks the import failed with the lines it holds: it would otherwise stay
    running. Redriven and worked, the chunk still counts, and the import is then done."""
    try:
        return _work_chunk(message)
    except Exception as error:
        if receives >= MAX_RECEIVES:
            last = message.first_line + len(message.lines) - 1
            reason = (
                f"lines {message.first_line}-{last} could not be imported after {receives} attempts "
                f"({type(error).__name__}); redrive the imports dead-letter queue to finish the import"
            )
            import_store.fail(message.import_id, reason, rfc3339(clock.now()))
        raise


def _work_chunk(message: ImportChunk) -> Worked:
    if import_store.chunk_is_done(message.import_id, message.chunk):
        return Worked(message.chunk, 0, 0, counted=False)
    stored = import_store.get(message.import_id)
    program = programs.current()
    key_id = stored.key_id if stored else None
    imported = 0
    errors: list[tuple[int, str]] = []
    for number, line in enumerate(message.lines, start=message.first_line):
        if not line.strip():
            continue
        try:
            import_row(message.import_id, number, parse(line), program, key_id)
        except Rejected as rejected:
            errors.append((number, str(rejected)))
            continue
        imported += 1
    result = ChunkResult(imported, len(errors), errors)
    counted = import_store.chunk_done(message.import_id, message.chunk, result, rfc3339(clock.now()))
    return Worked(message.chunk, imported, len(errors), counted)
