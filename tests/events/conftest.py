"""Fixtures of the events suites: loopback webhooks allowed (as the local stack allows them)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from loyalty import settings


@pytest.fixture
def events_env(aws: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("WEBHOOKS_ALLOW_LOOPBACK", "true")
    settings.reset()
    yield aws
    settings.reset()
