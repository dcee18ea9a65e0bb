"""The local stack as ``make run`` starts it (``python -m local.stack``), in a process of its own: on a free
port, with its own state file (never the developer's .local/stack.json) and a known admin key, waited for
until GET /v1/health answers, and stopped with SIGTERM as Ctrl-C would.

Its output goes to files beside the state file rather than to pipes: a stack that serves a whole session
logs more than a pipe holds, and a full pipe would stop it mid-request.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from local.backend import free_port
from local.template import ROOT

WAIT_SECONDS = 60.0  # the moto backend starts in a few seconds; DynamoDB Local's JVM takes longer on 2 cores
UNREACHABLE = (urllib.error.URLError, ConnectionError, TimeoutError)
ADMIN = "<the stack's admin key>"  # LocalStack.call's default key


class StackDidNotStart(RuntimeError):
    """The stack exited, or did not answer GET /v1/health in time; the message holds its output."""


@dataclass
class LocalStack:
    process: subprocess.Popen[str]
    api: str
    env: dict[str, str]
    state_file: Path
    admin_key: str

    @property
    def _logs(self) -> tuple[Path, Path]:
        return self.state_file.with_name("stdout.log"), self.state_file.with_name("stderr.log")

    def output(self) -> tuple[str, str]:
        """What the stack printed so far: stdout and stderr."""
        out, err = self._logs
        return out.read_text(), err.read_text()

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        key: str | None = ADMIN,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        """The status and the JSON body (None for an empty one) of a request with ``key`` (the admin key by
        default; None: no key) and any other ``headers``."""
        data = json.dumps(body).encode() if body is not None else None
        sent = {"Content-Type": "application/json"} if data else {}
        key = self.admin_key if key == ADMIN else key
        if key:
            sent["Authorization"] = f"Bearer {key}"
        headers = {**sent, **(headers or {})}
        # The URL is the stack's own http://127.0.0.1 address.
        request = urllib.request.Request(self.api + path, data=data, method=method, headers=headers)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                raw = response.read()
                return response.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as error:
            raw = error.read()
            return error.code, json.loads(raw) if raw else None

    def ok(self, method: str, path: str, body: Any = None, key: str | None = ADMIN) -> Any:
        """The body of a request (the admin's by default) that must succeed."""
        status, answer = self.call(method, path, body, key)
        assert status in (200, 201, 204), (method, path, status, answer)
        return answer

    def wait_for_health(self, seconds: float = WAIT_SECONDS) -> None:
        deadline = time.monotonic() + seconds
        while self.process.poll() is None:
            try:
                if self.call("GET", "/v1/health", key=None)[0] == 200:
                    return
            except UNREACHABLE:
                pass
            if time.monotonic() > deadline:
                self.process.kill()
                self.process.wait()
                raise StackDidNotStart("the stack did not answer GET /v1/health in time:\n" + "\n".join(self.output()))
            time.sleep(0.2)
        raise StackDidNotStart(f"the stack exited with {self.process.returncode}:\n" + "\n".join(self.output()))

    def stop(self, timeout: float = 10) -> tuple[int, str, str]:
        """SIGTERM (killed if it is still there after ``timeout`` seconds); its exit code and its output.
        A stack that has exited already is only read."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode, *self.output()


def start(
    state_file: Path, admin_key: str, backend: str = "moto", port: int | None = None, **extra_env: str
) -> LocalStack:
    """``LOYALTY_ADMIN_KEY=<admin_key> BACKEND=<backend> make run`` on ``port`` (default: a free one), once
    it answers; ``extra_env`` is added to (or overrides) the environment it gets."""
    port = port or free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "BACKEND": backend,
        "LOYALTY_ADMIN_KEY": admin_key,
        "LOCAL_STACK_FILE": str(state_file),
        "PYTHONUNBUFFERED": "1",
        **extra_env,
    }
    state_file.parent.mkdir(parents=True, exist_ok=True)
    stdout, stderr = (state_file.with_name(name).open("w") for name in ("stdout.log", "stderr.log"))
    with stdout, stderr:  # the child holds its own copies
        process = subprocess.Popen(
            [sys.executable, "-m", "local.stack"], cwd=ROOT, env=env, stdout=stdout, stderr=stderr, text=True
        )
    stack = LocalStack(process, f"http://127.0.0.1:{port}", env, state_file, admin_key)
    stack.wait_for_health()
    return stack


@contextmanager
def running(state_file: Path, admin_key: str, backend: str = "moto", **extra_env: str) -> Iterator[LocalStack]:
    """``start``, then ``stop`` when the block ends (a no-op if the block stopped it)."""
    stack = start(state_file, admin_key, backend, **extra_env)
    try:
        yield stack
    finally:
        stack.stop()
