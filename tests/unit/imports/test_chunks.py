"""The trigger's reading and chunking, alone: what a chunk may hold, and the lines it cannot carry."""

from __future__ import annotations

import json

import pytest

from loyalty.adapters import imports_queue
from loyalty.models.imports import ImportChunk
from loyalty.services import import_files, imports


def messages(lines: list[str], size: int = 100) -> list[str]:
    budget = import_files.budget_for("an-import-id")
    return [
        imports_queue.body_of(
            ImportChunk(import_id="an-import-id", chunk=n, first_line=first, lines=chunk).model_dump()
        )
        for n, (first, chunk) in enumerate(import_files.chunks_of(lines, size, budget))
    ]


def test_no_chunk_passes_what_one_sqs_message_holds_whatever_its_lines_are_made_of() -> None:
    quotes = json.dumps({"member_id": "q", "email": "q@example.com", "name": '"' * 60})
    lines = ["x" * 60_000, "é" * 30_000, quotes * 500, "\x01" * 60_000, "ok"]
    bodies = messages(lines)
    assert all(len(body) <= imports_queue.MAX_MESSAGE_BYTES for body in bodies)
    carried = [line for body in bodies for line in json.loads(body)["lines"]]
    assert len(carried) == len(lines)
    # Control characters are escaped to six bytes each: that line alone passes a message, so it travels
    # as the marker the worker rejects (with its line number: the chunk's first_line counts it).
    assert carried[3] == imports.TOO_LONG and carried[:3] == lines[:3]
    with pytest.raises(imports.Rejected, match="line longer than"):
        imports.parse(carried[3])


def test_a_chunk_is_bounded_by_lines_too() -> None:
    assert [len(json.loads(body)["lines"]) for body in messages(["{}"] * 7, size=3)] == [3, 3, 1]


def test_the_reader_drops_a_utf8_bom_and_marks_lines_that_are_not_utf8() -> None:
    raw = [b'\xef\xbb\xbf{"a": 1}', b"caf\xe9", b'{"b": "\xc3\xa9"}']
    assert list(import_files.decoded(raw)) == ['{"a": 1}', imports.NOT_UTF8, '{"b": "é"}']
    with pytest.raises(imports.Rejected, match="not UTF-8"):
        imports.parse(imports.NOT_UTF8)


@pytest.mark.parametrize(
    ("first", "says"), [(b"\xff\xfe{\x00", "UTF-16"), (b"\xfe\xff\x00{", "UTF-16"), (b"\x1f\x8b\x08\x00", "gzip")]
)
def test_a_file_that_is_not_text_is_unreadable_from_its_first_line(first: bytes, says: str) -> None:
    with pytest.raises(import_files.Unreadable, match=says):
        list(import_files.decoded([first, b"{}"]))
