"""A safety net for the stack's console: whatever a handler logs or a traceback quotes, no email address
reaches the terminal (the stack's output is often pasted into issues and chats)."""

from __future__ import annotations

import re
import sys
from typing import Any, TextIO

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
MASK = "<email>"


def redact(text: str) -> str:
    return EMAIL.sub(MASK, text)


class RedactingStream:
    """Wraps a text stream; every write has its email addresses masked. Everything else is delegated."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(redact(text))
        return len(text)  # callers count what they handed over, not what was printed

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def install() -> None:
    """Mask emails on this process's stdout and stderr (before any handler creates its log handler)."""
    if not isinstance(sys.stdout, RedactingStream):
        sys.stdout = RedactingStream(sys.stdout)
    if not isinstance(sys.stderr, RedactingStream):
        sys.stderr = RedactingStream(sys.stderr)
