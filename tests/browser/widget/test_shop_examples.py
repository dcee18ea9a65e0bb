"""docs/shop.md's token routes, as a shop would run them (docs/examples/: Python with the standard library,
Node with no package), against the local stack: the signed-in shopper gets a member token that opens their
own /v1/me, and nobody else gets one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from local.backend import free_port
from local.template import ROOT
from tests.stack_process import Stack

EXAMPLES = ROOT / "docs" / "examples"


def _post(url: str, cookie: str | None = None) -> tuple[int, dict[str, str]]:
    headers = {"Cookie": cookie} if cookie else {}
    request = urllib.request.Request(url, data=b"", method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, {}


def test_docs_show_the_examples_as_they_are() -> None:
    page = (ROOT / "docs" / "shop.md").read_text()
    for example in ("shop_token_route.py", "shop-token-route.mjs"):
        assert (EXAMPLES / example).read_text().strip() in page, f"docs/shop.md shows another {example}"


@pytest.mark.parametrize("example", ["shop_token_route.py", "shop-token-route.mjs"])
def test_the_token_route_gives_the_signed_in_shopper_a_token_for_their_own_panel(
    example: str, stack: Stack, tmp_path: Path
) -> None:
    key = stack.ok("POST", "/v1/admin/keys", {"scope": "storefront", "label": f"shop server {example}"})["key"]
    port = free_port()
    env = {
        **os.environ,
        "LOYALTY_API": stack.api,
        "LOYALTY_STOREFRONT_KEY": key,
        "SESSIONS": "s-ada=demo-ada,s-ghost=demo-nobody",
        "PORT": str(port),
    }
    program = [sys.executable] if example.endswith(".py") else ["node"]
    server = subprocess.Popen(
        [*program, str(EXAMPLES / example)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    route = f"http://127.0.0.1:{port}/loyalty-token"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                status, answer = _post(route, "session=s-ada")
                break
            except (urllib.error.URLError, ConnectionError):
                assert server.poll() is None, server.communicate()[1]
                assert time.monotonic() < deadline, "the example did not listen"
                time.sleep(0.2)
        assert status == 200 and answer["expires_at"]
        me = stack.ok("GET", "/v1/me", key=answer["token"])
        assert me["member_id"] == "demo-ada"
        assert key not in json.dumps(answer)  # the page gets a member token, never the key
        assert _post(route)[0] == 401  # nobody signed in: no token
        assert _post(route.replace("/loyalty-token", "/other"), "session=s-ada")[0] == 404
        assert _post(route, "session=s-ghost")[0] == 502  # the API refused (no such member): no token either
    finally:
        server.terminate()
        server.wait(timeout=10)
