"""Bounded retries with full jitter for optimistic writes that lost a race."""

from __future__ import annotations

import random
import time

from loyalty.domain.errors import Contended

MAX_ATTEMPTS = 10
__all__ = ["MAX_ATTEMPTS", "Contended", "pause"]


def pause(attempt: int) -> None:
    """Sleep a random time up to 5 ms x 2^attempt (capped at 200 ms), so racing writers spread out."""
    time.sleep(random.uniform(0, min(0.005 * 2**attempt, 0.2)))
