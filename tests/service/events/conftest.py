"""Fixtures of the events suites: loopback webhooks allowed (as the local stack allows them), on the wall
clock, since a subscriber checks a signature's timestamp against its own clock (Standard Webhooks allows
5 minutes)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from loyalty import settings
from loyalty.adapters import clock


@pytest.fixture
def events_env(aws: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("WEBHOOKS_ALLOW_LOOPBACK", "true")
    settings.reset()
    clock.set_clock(None)
    yield aws
    settings.reset()
