"""The imports' adapters keep a client each: a fresh one per test, so faults armed on one never leak."""

from collections.abc import Iterator

import pytest

from loyalty.adapters import imports_queue, uploads
from tests.service.faults.harness import faults

__all__ = ["faults"]


@pytest.fixture(autouse=True)
def _fresh_clients() -> Iterator[None]:
    imports_queue.reset()
    uploads.reset()
    yield
    imports_queue.reset()
    uploads.reset()
