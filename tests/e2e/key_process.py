"""One "Lambda execution environment" of the revocation test, as a separate OS process.

Run as ``python -m tests.e2e.key_process`` with the stack's environment (endpoint URLs, TABLE_NAME,
AUTH_CACHE_SECONDS from template.yaml). It serves the API in-process through the local API Gateway
emulation (the real route functions, which check keys with their warm caches) and obeys one JSON command a
line on stdin, answering one JSON line on stdout (the functions' logs go to stderr):

- ``{"op": "admin_key"}``: issue an admin key straight through the service (no key exists yet) -> ``{"key"}``
- ``{"op": "call", "method", "path", "key", "body"?}``: one request -> ``{"status", "body"}``
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from harness.api import Api
from local import template as template_loader
from local.template import ROOT
from loyalty.models.api_key import KeyRequest
from loyalty.services import api_keys


def main() -> int:
    # The functions log to stdout (Powertools, as in Lambda): answers go to the original stdout alone.
    answers = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    template = template_loader.load(str(ROOT / "template.yaml"))
    gateway_api = Api(template)
    for line in sys.stdin:
        command: dict[str, Any] = json.loads(line)
        if command["op"] == "admin_key":
            created = api_keys.create(KeyRequest(scope="admin", label="revocation test"))
            answer: dict[str, Any] = {"key": created.key}
        else:
            got = gateway_api.call(command["method"], command["path"], command.get("body"), key=command["key"])
            answer = {"status": got.status, "body": got.body, "content_type": got.content_type}
        answers.write(json.dumps(answer) + "\n")
        answers.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
