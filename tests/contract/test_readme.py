"""README.md's walk-through works exactly as written, against a fresh `python -m local.stack`.

The walk-through's ```bash blocks (between the `walkthrough:start` and `walkthrough:end` markers) run in
order in one bash process, as a reader pastes them into one terminal, with `set -euo pipefail`: any
failing command (curl --fail-with-body turns an HTTP error into one) stops the run and names its block.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from local.backend import free_port

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
START, END = "<!-- walkthrough:start -->", "<!-- walkthrough:end -->"
BASH_BLOCK = re.compile(r"^```bash\n(.*?)^```$", re.DOTALL | re.MULTILINE)
MARKER = ">>> block "
STATUS = re.compile(r"^HTTP (\d{3})$", re.MULTILINE)

# The HTTP statuses each block prints (curl -w '\nHTTP %{http_code}\n'), in order.
EXPECTED_STATUSES = [
    [200],  # health
    [200],  # PUT program
    [],  # issue a storefront key
    [403],  # storefront key on an admin route
    [201, 200],  # enroll, read
    [201, 200],  # order, activity
    [201],  # refund
    [],  # send an order to the queue
    [],  # wait for it in the activity
]


def readme() -> str:
    return README.read_text(encoding="utf-8")


def walkthrough_blocks() -> list[str]:
    text = readme()
    assert text.count(START) == 1 and text.count(END) == 1, f"README.md needs one {START} ... {END} section"
    section = text[text.index(START) + len(START) : text.index(END)]
    return [block for block in BASH_BLOCK.findall(section)]


def admin_key() -> str:
    """The key the README starts the stack with, so the test starts it the same way."""
    found = re.search(r"^LOYALTY_ADMIN_KEY=(\S+) make run$", readme(), re.MULTILINE)
    assert found, "README.md must start the stack with `LOYALTY_ADMIN_KEY=<key> make run`"
    return found.group(1)


def test_readme_opens_with_the_two_commands() -> None:
    first = BASH_BLOCK.search(readme())
    assert first is not None
    commands = [line.split("#")[0].strip() for line in first.group(1).splitlines()]
    assert commands == ["make run", "make test"]


def test_walkthrough_uses_the_port_variable() -> None:
    script = "\n".join(walkthrough_blocks())
    assert "${PORT:-3000}" in script
    assert ":3000" not in script.replace("${PORT:-3000}", ""), "hard-coded port: the test could not move it"


def _wait_for_health(process: subprocess.Popen[str], api: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            out, err = process.communicate()
            pytest.fail(f"the stack exited with {process.returncode}:\n{out}\n{err}")
        try:
            with urllib.request.urlopen(api + "/v1/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    pytest.fail("the stack did not answer GET /v1/health within 30 s")


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[dict[str, str]]:
    """`LOYALTY_ADMIN_KEY=<key> make run` on a free port; yields the environment the reader's shell needs."""
    port = str(free_port())
    env = {
        **os.environ,
        "PORT": port,
        "BACKEND": "moto",
        "LOYALTY_ADMIN_KEY": admin_key(),
        # Never the developer's .local/stack.json: a stack they run must not be disturbed.
        "LOCAL_STACK_FILE": str(tmp_path / "stack.json"),
        "PYTHONUNBUFFERED": "1",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "local.stack"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for_health(process, f"http://127.0.0.1:{port}")
        yield {key: value for key, value in env.items() if key not in ("BACKEND", "LOYALTY_ADMIN_KEY")}
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=10)
        assert process.returncode == 0, err
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


def test_walkthrough_runs_as_written(stack: dict[str, str]) -> None:
    missing = [tool for tool in ("bash", "curl", "python3") if shutil.which(tool) is None]
    assert not missing, f"the walk-through needs {', '.join(missing)} on PATH"
    blocks = walkthrough_blocks()
    assert len(blocks) == len(EXPECTED_STATUSES), "a block was added or removed: update EXPECTED_STATUSES"
    script = ["set -euo pipefail"]
    for index, block in enumerate(blocks):
        script += [f"echo '{MARKER}{index}'", block]
    script.append(f"echo '{MARKER}done'")
    result = subprocess.run(
        ["bash", "-c", "\n".join(script)],
        cwd=ROOT,
        env=stack,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    parts = re.split(rf"^{MARKER}(\S+)\n", result.stdout, flags=re.MULTILINE)
    outputs = dict(zip(parts[1::2], parts[2::2], strict=True))
    ran = len(outputs) - 1
    assert result.returncode == 0, (
        f"block {ran} failed (exit {result.returncode}):\n{blocks[ran] if 0 <= ran < len(blocks) else ''}\n"
        f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}"
    )
    assert "done" in outputs
    for index, block in enumerate(blocks):
        output = outputs[str(index)]
        statuses = [int(code) for code in STATUS.findall(output)]
        assert statuses == EXPECTED_STATUSES[index], f"block {index}:\n{block}\n--- output ---\n{output}"

    key_output, forbidden, queued, received = (outputs[str(index)] for index in (2, 3, 7, 8))
    assert re.search(r"^storefront key: lk_\S{40,}$", key_output, re.MULTILINE), key_output
    assert '"code": "forbidden"' in forbidden, forbidden
    assert queued.startswith("sent "), queued
    assert '"order_id":"o-2"' in received.replace(" ", ""), "the queued order never reached the activity"
