"""The local stack as `make run` starts it (harness.stack), for the tests of what it does as a whole."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.stack import LocalStack, running, start

ADMIN_KEY = "lk_local-e2e-admin-key"


def start_stack(tmp_path: Path, backend: str = "moto", **extra: str) -> LocalStack:
    return start(tmp_path / "state" / "stack.json", ADMIN_KEY, backend, **extra)


def stop_promptly(stack: LocalStack) -> tuple[int, str, str]:
    """SIGTERM, then the exit code and output. The stack must end by itself: one still there after 10 s is
    killed, and its exit code (-9) says so. (A 5 s bound measured the machine's load: 5.6 s once.)"""
    code, out, err = stack.stop(timeout=10)
    assert code != -signal.SIGKILL, "the stack did not stop on SIGTERM within 10 s"
    return code, out, err


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[LocalStack]:
    """A stack on the moto backend, stopped after the test (if the test did not stop it)."""
    with running(tmp_path / "state" / "stack.json", ADMIN_KEY) as started:
        yield started
