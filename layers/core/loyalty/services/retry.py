"""Bounded retries with full jitter for optimistic writes that lost a race."""

from __future__ import annotations

import random
import time

from loyalty.domain.errors import LoyaltyError

MAX_ATTEMPTS = 10


class Contended(LoyaltyError):
    """Still conflicting after every attempt: the client (or the queue) should retry later."""

    status, code, title = 503, "contended", "Too many concurrent changes to this member"


def pause(attempt: int) -> None:
    """Sleep a random time up to 5 ms x 2^attempt (capped at 200 ms), so racing writers spread out."""
    time.sleep(random.uniform(0, min(0.005 * 2**attempt, 0.2)))
