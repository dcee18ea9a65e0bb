"""What the AWS edges share: their boto3 client, built on first use and kept for the process (``Client``;
its ``reset`` forgets it, for the tests that move an endpoint), the retries and timeouts it is built with
(``config``), and the setting an edge cannot work without (``required``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.config import Config
from botocore.endpoint import DEFAULT_TIMEOUT


class Client[T]:
    """The client ``build`` makes, built on the first call and the same one after (boto3 clients are
    thread-safe; building one costs milliseconds)."""

    def __init__(self, build: Callable[[], T]) -> None:
        self._build = build
        self._built: T | None = None

    def __call__(self) -> T:
        if self._built is None:
            self._built = self._build()
        return self._built

    def reset(self) -> None:
        self._built = None


def config(
    attempts: int = 5, connect_timeout: float = DEFAULT_TIMEOUT, read_timeout: float = DEFAULT_TIMEOUT, **options: Any
) -> Config:
    """boto3's standard retry mode with ``attempts`` in all; shorter timeouts (seconds) than botocore's
    where someone waits on the call."""
    return Config(
        retries={"mode": "standard", "max_attempts": attempts},
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        **options,
    )


def required(value: str | None, variable: str, consequence: str) -> str:
    """``value``, the setting ``variable`` gives; when it is not set, a RuntimeError saying ``consequence``."""
    if not value:
        raise RuntimeError(f"{variable} is not set: {consequence}")
    return value
