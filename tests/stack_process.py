"""The local stack as ``make run`` starts it (``python -m local.stack``, a subprocess on a free port), a
client of its HTTP API, a build step run the way ``make`` runs it, and Debian's chromium for Playwright
(``make browser`` installs it with apt; never ``playwright install``). Shared by the browser suites
(tests/console, tests/widget)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from local.backend import free_port
from local.template import ROOT


@dataclass
class Stack:
    api: str
    process: subprocess.Popen[str]
    key: str

    def call(
        self, method: str, path: str, body: Any = None, key: str | None = "", headers: dict[str, str] | None = None
    ) -> tuple[int, Any]:
        """``key`` "" is the stack's admin key, None no key at all."""
        data = json.dumps(body).encode() if body is not None else None
        sent = {"Content-Type": "application/json"} if data else {}
        use = self.key if key == "" else key
        if use:
            sent["Authorization"] = f"Bearer {use}"
        sent.update(headers or {})
        request = urllib.request.Request(self.api + path, data=data, method=method, headers=sent)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                raw = response.read()
                return response.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as error:
            raw = error.read()
            return error.code, json.loads(raw) if raw else None

    def ok(self, method: str, path: str, body: Any = None, key: str | None = "") -> Any:
        status, answer = self.call(method, path, body, key)
        assert status in (200, 201, 204), (method, path, status, answer)
        return answer


def chromium() -> str:
    found = shutil.which("chromium")
    if not found:
        pytest.fail("chromium is not installed: run `make browser` (`make test` runs it first)", pytrace=False)
    return found


def build(script: str, needs: str, env: dict[str, str] | None = None) -> None:
    """Runs a node build script (console/build.mjs, widget/build.mjs) from the sources, so a session never
    sees a stale build/."""
    if not (ROOT / "node_modules" / needs).is_dir():
        pytest.fail(f"node_modules/{needs} is missing: run `npm ci` (`make test` does)", pytrace=False)
    built = subprocess.run(
        ["node", str(ROOT / script)],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert built.returncode == 0, built.stderr


def _wait_for_health(stack: Stack) -> None:
    deadline = time.monotonic() + 60
    while True:
        if stack.process.poll() is not None:
            out, err = stack.process.communicate()
            pytest.fail(f"the local stack exited with {stack.process.returncode}:\n{out}\n{err}")
        try:
            if stack.call("GET", "/v1/health", key=None)[0] == 200:
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            stack.process.kill()
            pytest.fail("the local stack did not answer GET /v1/health in time")
        time.sleep(0.2)


def start_stack(admin_key: str, state_dir: Path, env: dict[str, str] | None = None, port: int | None = None) -> Stack:
    """``python -m local.stack`` on a free port with ``admin_key``, answering; ``stop_stack`` ends it.
    (A plain function, not a context manager: tests/conftest.py reads what a fixture reaches, Popen here,
    through the helper's own code.)"""
    port = port or free_port()
    environment = {
        **os.environ,
        "PORT": str(port),
        "BACKEND": "moto",
        "LOYALTY_ADMIN_KEY": admin_key,
        "LOCAL_STACK_FILE": str(state_dir / "stack.json"),
        "PYTHONUNBUFFERED": "1",
        **(env or {}),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "local.stack"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    running = Stack(f"http://127.0.0.1:{port}", process, admin_key)
    try:
        _wait_for_health(running)
    except BaseException:
        stop_stack(running)
        raise
    return running


def stop_stack(stack: Stack) -> None:
    """SIGTERM, as Ctrl+C in ``make run``; killed if it has not stopped within 10 s."""
    if stack.process.poll() is not None:
        return
    stack.process.send_signal(signal.SIGTERM)
    try:
        stack.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        stack.process.kill()
        stack.process.wait()


def serve_stack(
    admin_key: str,
    state_dir: Path,
    seed: Callable[[Stack], None],
    env: dict[str, str] | None = None,
    port: int | None = None,
) -> Iterator[Stack]:
    """A session fixture's body (``yield from``): the stack started, seeded, yielded, then stopped."""
    running = start_stack(admin_key, state_dir, env, port)
    try:
        seed(running)
        yield running
    finally:
        stop_stack(running)


def launched_chromium() -> Iterator[Any]:
    """A session fixture's body (``yield from``): Debian's chromium, headless, through Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium(), headless=True)
        yield launched
        launched.close()
