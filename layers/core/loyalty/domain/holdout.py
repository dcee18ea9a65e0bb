"""Who is held out, and of what (pure).

A member's group is drawn once, at enrollment, and stored on its item (``grp``): a later change of the
percent moves no one. The draw is a hash of the member id, not a random number, so every retry of one
enrollment (the API's idempotent replay, a redelivered checkout, a retried import chunk) draws the same:
SHA-256 of the id, its first 8 bytes as an integer, modulo 10,000 (the modulo's bias is below 10^-15),
below ``percent`` x 100. SHA-256 spreads any ids evenly, sequential ones as shops number customers too,
and nobody at the shop chooses a member's group.
"""

from __future__ import annotations

import hashlib

from loyalty.models.holdout import Excluded, HoldoutSettings

SCALE = 10_000  # draws per percent: 100 (a share of a percent could be drawn if ever allowed)


def slot(member_id: str) -> int:
    """Where a member id falls in 0..9999, uniformly."""
    digest = hashlib.sha256(member_id.encode()).digest()
    return int.from_bytes(digest[:8], "big") % SCALE


def drawn(member_id: str, settings: HoldoutSettings | None) -> bool:
    """Whether a member enrolled now under ``settings`` is held out (no settings, or 0%: never)."""
    return settings is not None and slot(member_id) < settings.percent * (SCALE // 100)


def withholds(settings: HoldoutSettings | None, holdout: bool, what: Excluded) -> bool:
    """Whether ``what`` is kept from this member: it is a holdout member and the program excludes it.
    Without settings nothing is: removing the holdout gives its members everything again."""
    return holdout and settings is not None and what in settings.excludes
