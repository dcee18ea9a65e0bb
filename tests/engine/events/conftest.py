"""The fixtures of tests/service/events/conftest.py, for this folder's modules too."""

from tests.service.events.conftest import events_env

__all__ = ["events_env"]
