"""The fixtures of tests/service/imports/conftest.py, for this folder's modules too."""

from tests.service.imports.conftest import _fresh_clients, faults

__all__ = ["_fresh_clients", "faults"]
