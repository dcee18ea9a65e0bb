"""Member ids on either side of a holdout's draw: the draw is a hash of the id (loyalty.domain.holdout),
so a test names its members by which side it needs them on."""

from __future__ import annotations

from collections.abc import Callable

from loyalty.domain import holdout
from loyalty.models.holdout import HoldoutSettings

HALF = HoldoutSettings(percent=50)


def member_id(prefix: str, *, held: bool, settings: HoldoutSettings = HALF) -> str:
    """The first ``prefix-N`` id the draw puts in the holdout (``held``) or in the treatment."""
    return first(lambda n: f"{prefix}-{n}", held=held, settings=settings)


def first(name: Callable[[int], str], *, held: bool, settings: HoldoutSettings = HALF) -> str:
    return next(name(n) for n in range(1_000) if holdout.drawn(name(n), settings) is held)
