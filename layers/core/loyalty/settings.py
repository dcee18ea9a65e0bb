"""The deployment's settings, read on first use: ``settings()`` is what the layer calls.

The model itself (every environment variable the layer reads, validated) is loyalty.environment.
It is imported here only when ``settings()`` is first called, not when this module is: pydantic-settings
costs 15-40 ms to import, and the store, the adapters and the services all import this module, so an
eager import would add that to whatever imports any of them (each function's init, before the services
loaded on first use). The first request pays it instead (bench/cold_start.py measures that request). A
test can point the layer at another table by changing the environment and calling ``reset()``.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from loyalty.environment import Settings


@cache
def settings() -> Settings:
    from loyalty.environment import Settings  # noqa: PLC0415 - on first use, see the module docstring

    return Settings()


def reset() -> None:
    """Read the environment again on next use (tests, the local stack, the benchmark switching tables)."""
    settings.cache_clear()
