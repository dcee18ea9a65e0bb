"""A command of the project run as a reader would run it from a terminal."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from local.template import ROOT


def run(
    args: Sequence[str],
    *,
    cwd: Path | str = ROOT,
    env: Mapping[str, str] | None = None,
    input_text: str | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """``args`` run from the repository root (or ``cwd``), its output captured as text. The caller checks
    the exit code: a failing command does not raise, and a hung one still ends after ``timeout`` seconds."""
    return subprocess.run(  # noqa: S603 - the project's own commands, as the tests and the benchmark name them
        list(args),
        cwd=cwd,
        env=None if env is None else dict(env),
        input=input_text,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
