"""The one source of "now", so tests and replays can move time without patching datetime."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from loyalty.models.common import rfc3339

_now: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731


def now() -> datetime:
    """Current time, timezone-aware, truncated to milliseconds (what the API shows)."""
    current = _now()
    return current.replace(microsecond=current.microsecond // 1000 * 1000)


def set_clock(source: Callable[[], datetime] | None) -> None:
    """Replace the clock (tests, scheduled jobs replaying a day); ``None`` restores the wall clock."""
    global _now
    _now = source if source is not None else (lambda: datetime.now(UTC))


def source() -> Callable[[], datetime]:
    """The clock in use, to put back after moving time for a while (local.events.at_its_time)."""
    return _now


def isoformat(moment: datetime) -> str:
    """RFC 3339 with a ``Z`` for UTC, milliseconds precision."""
    return rfc3339(moment)
