"""The widget as widget/build.mjs builds it: one script within its size budget, which names no host.
(Node and the pinned esbuild only: no browser, no stack.)"""

from __future__ import annotations

import gzip
import re
import subprocess
from pathlib import Path

import pytest

from local.template import ROOT

BUDGET = 40 * 1024  # gzipped, QR code library and styles included (issue 22)


@pytest.fixture(scope="module")
def built() -> Path:
    if not (ROOT / "node_modules" / "esbuild").is_dir():
        pytest.fail("node_modules/esbuild is missing: run `npm ci` (`make test` does)", pytrace=False)
    run = subprocess.run(
        ["node", str(ROOT / "widget" / "build.mjs")], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert run.returncode == 0, run.stderr
    return ROOT / "build" / "widget"


def test_the_widget_is_one_script_under_40_kb_gzipped_with_its_qr_code_library(built: Path) -> None:
    script = (built / "loyalty.js").read_bytes()
    size = len(gzip.compress(script, compresslevel=9))
    assert size <= BUDGET, f"loyalty.js is {size} bytes gzipped, over the {BUDGET} budget"
    text = script.decode()
    assert 'customElements.define("loyalty-panel"' in text
    assert "shape-rendering" in text and "bundles uqr" in text  # the QR code is drawn by the bundled library
    assert sorted(path.name for path in built.iterdir()) == ["loyalty.js", "loyalty.js.LICENSE.txt"]
    assert "MIT License" in (built / "loyalty.js.LICENSE.txt").read_text()


def test_the_script_names_no_host_to_load_anything_from(built: Path) -> None:
    """Its one request target is the page's `api` (or `proxy`) attribute: no URL is written in it but the
    SVG namespace, and it never builds a script, a stylesheet, an image or a frame from a URL."""
    text = (built / "loyalty.js").read_text()
    urls = set(re.findall(r"(?:https?:)?//[A-Za-z0-9.-]+\.[A-Za-z]{2,}[^\s\"'`)]*", text))
    assert urls == {"http://www.w3.org/2000/svg"}, urls
    for loader in ("importScripts", "XMLHttpRequest", "sendBeacon", "WebSocket", "EventSource", "import("):
        assert loader not in text, loader
    assert not re.search(r"createElement\(\"(script|link|img|iframe)\"", text)
    assert ".innerHTML" not in text and "insertAdjacentHTML" not in text  # text goes in as text only
