"""What the docs show works as written: README.md opens with the two commands and stays a short front door
whose links (and those of docs/*.md) resolve; docs/api.md's walk-through runs exactly as written, against
a fresh `python -m local.stack`.

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
WALKTHROUGH = ROOT / "docs" / "api.md"  # the README's walk-through lives here
README_MAX_LINES = 250
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
    [200, 200, 403],  # a member token: /v1/me, /v1/me/balance, and no member route
]


def readme() -> str:
    return README.read_text(encoding="utf-8")


def walkthrough_page() -> str:
    return WALKTHROUGH.read_text(encoding="utf-8")


def walkthrough_blocks() -> list[str]:
    text = walkthrough_page()
    assert text.count(START) == 1 and text.count(END) == 1, f"docs/api.md needs one {START} ... {END} section"
    section = text[text.index(START) + len(START) : text.index(END)]
    return [block for block in BASH_BLOCK.findall(section)]


def admin_key() -> str:
    """The key the walk-through starts the stack with, so the test starts it the same way."""
    found = re.search(r"^LOYALTY_ADMIN_KEY=(\S+) make run$", walkthrough_page(), re.MULTILINE)
    assert found, "docs/api.md must start the stack with `LOYALTY_ADMIN_KEY=<key> make run`"
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


# The front door stays short, and no page of the docs points at a file or a section that is not there.
FENCE = re.compile(r"^ {0,3}(```|~~~).*?^ {0,3}\1", re.DOTALL | re.MULTILINE)
INLINE_CODE = re.compile(r"(`+)(.+?)\1", re.DOTALL)
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE = re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s.*)?$", re.MULTILINE)
HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$", re.MULTILINE)
HTML_ANCHOR = re.compile(r"<a\s+(?:name|id)=\"([^\"]+)\"", re.IGNORECASE)


def pages() -> list[Path]:
    return [README, *sorted((ROOT / "docs").rglob("*.md"))]


def _prose(text: str) -> str:
    """The page without its code: a link or a heading inside a code block or span is only text."""
    return FENCE.sub("", text)


def github_anchors(text: str) -> set[str]:
    """The ids GitHub gives a page's headings: the heading's text as rendered (code spans, emphasis and
    links reduced to their text), lower-cased, anything but letters, digits, spaces, hyphens and
    underscores dropped, spaces turned to hyphens; a repeated id gets -1, -2, ..."""
    anchors: set[str] = set(HTML_ANCHOR.findall(text))
    seen: dict[str, int] = {}
    for heading in HEADING.findall(_prose(text)):
        rendered = INLINE_CODE.sub(lambda code: code.group(2).strip(), heading)
        rendered = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", rendered)
        rendered = re.sub(r"(\*\*|__|\*|(?<!\w)_|_(?!\w))", "", rendered)
        slug = re.sub(r"[^\w\- ]", "", rendered.strip().lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        anchors.add(slug if count == 0 else f"{slug}-{count}")
    return anchors


def relative_links(text: str) -> list[str]:
    prose = INLINE_CODE.sub("", _prose(text))
    targets = LINK.findall(prose) + REFERENCE.findall(prose)
    return [target for target in targets if not re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE)]


def test_github_anchors_follow_githubs_rule() -> None:
    text = "# Loyalty\n## Liability — `GET /v1/x?as_of=Y`\n## Errors: 503 **when** it helps\n## Tests\n## Tests\n"
    expected = {"loyalty", "liability--get-v1xas_ofy", "errors-503-when-it-helps", "tests", "tests-1"}
    assert github_anchors(text) == expected
    assert github_anchors("```sh\n# a comment, not a heading\n```\n") == set()


def test_links_are_read_from_the_prose_only() -> None:
    text = "[a](docs/a.md#x) ![b](b.png) [c](https://example.com) `[d](d.md)`\n```\n[e](e.md)\n```\n[f]: f.md\n"
    assert relative_links(text) == ["docs/a.md#x", "b.png", "f.md"]


def test_readme_is_a_short_front_door() -> None:
    lines = readme().splitlines()
    assert len(lines) <= README_MAX_LINES, f"README.md has {len(lines)} lines; the rest belongs in docs/"


def test_every_relative_link_resolves() -> None:
    broken: list[str] = []
    for page in pages():
        for target in relative_links(page.read_text(encoding="utf-8")):
            path, _, anchor = target.partition("#")
            resolved = (page.parent / path).resolve() if path else page
            name = f"{page.relative_to(ROOT)}: {target}"
            if not resolved.exists():
                broken.append(f"{name} (no such file)")
            elif anchor and resolved.suffix == ".md" and anchor not in github_anchors(resolved.read_text("utf-8")):
                broken.append(f"{name} (no such section)")
    assert not broken, "broken links:\n" + "\n".join(broken)
