"""An HTTP server on 127.0.0.1 in a thread of this process, standing in for an endpoint the stack calls:
CloudFormation's response URL (local.cloudformation), a webhook subscriber (tests/events)."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # with its query
    headers: dict[str, str]  # names in lower case
    body: bytes


@contextmanager
def serving(answer: Callable[[Request], int]) -> Iterator[str]:
    """Each request (PUT or POST) goes to ``answer``, one at a time, which returns the status to answer
    with (and no body). Yields the server's base URL, ``http://127.0.0.1:<port>``; stopped on exit."""
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        def _answer(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            headers = {name.lower(): value for name, value in self.headers.items()}
            with lock:
                status = answer(Request(self.command, self.path, headers, body))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_PUT = do_POST = _answer

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
