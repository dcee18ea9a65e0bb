"""The fixtures of tests/service/faults/conftest.py, for this folder's modules too."""

from tests.service.faults.conftest import faults

__all__ = ["faults"]
