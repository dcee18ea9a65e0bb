"""What the browser suites (tests/browser, tests/browser/widget) share: the local stack as ``make run`` starts it
(harness/stack.py), seeded for a session; a build step run the way ``make`` runs it; and Debian's chromium
for Playwright (``make browser`` installs it with apt; never ``playwright install``)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.commands import run
from harness.stack import LocalStack as Stack
from harness.stack import StackDidNotStart, start
from local.template import ROOT

__all__ = ["Stack", "build", "chromium", "launched_chromium", "new_page", "serve_stack"]


def chromium() -> str:
    import shutil

    found = shutil.which("chromium")
    if not found:
        pytest.fail("chromium is not installed: run `make browser` (`make test` runs it first)", pytrace=False)
    return found


def build(script: str, needs: str, env: dict[str, str] | None = None) -> None:
    """Runs a node build script (console/build.mjs, widget/build.mjs) from the sources, so a session never
    sees a stale build/."""
    if not (ROOT / "node_modules" / needs).is_dir():
        pytest.fail(f"node_modules/{needs} is missing: run `npm ci` (`make test` does)", pytrace=False)
    built = run(["node", str(ROOT / script)], env={**os.environ, **(env or {})}, timeout=120)
    assert built.returncode == 0, built.stderr


def serve_stack(
    admin_key: str,
    state_dir: Path,
    seed: Callable[[Stack], None],
    env: dict[str, str] | None = None,
    port: int | None = None,
) -> Iterator[Stack]:
    """A session fixture's body (``yield from``): the stack started, seeded, yielded, then stopped."""
    try:
        running = start(state_dir / "stack.json", admin_key, port=port, **(env or {}))
    except StackDidNotStart as error:
        pytest.fail(str(error), pytrace=False)
    try:
        seed(running)
        yield running
    finally:
        running.stop()


def launched_chromium() -> Iterator[Any]:
    """A session fixture's body (``yield from``): Debian's chromium, headless, through Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium(), headless=True)
        yield launched
        launched.close()


def new_page(browser: Any, viewport: dict[str, int], errors: list[str]) -> tuple[Any, Any]:
    """A page in a context of its own (the caller closes the context), English, 15 s per wait, whose
    console errors and uncaught script errors are collected in ``errors``."""
    context = browser.new_context(viewport=viewport, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    return context, page
