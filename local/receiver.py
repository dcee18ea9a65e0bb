"""``python -m local.receiver --secret whsec_...``: a webhook receiver on loopback for the local stack.

Register it with ``PUT /v1/admin/webhooks/{id}`` (``"url": "http://127.0.0.1:8765/hooks"``; the local
stack allows loopback http URLs), then watch each signed delivery arrive, checked with the Standard
Webhooks reference verifier. ``--fail N`` answers 500 to the first N deliveries, to watch the retries.
"""

from __future__ import annotations

import argparse
import http.server
import json
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--secret", help="the whsec_ secret the PUT answered (omit to print without checking)")
    parser.add_argument("--fail", type=int, default=0, help="answer 500 to this many deliveries first")
    args = parser.parse_args()
    verifier = Webhook(args.secret) if args.secret else None
    state = {"fail": args.fail}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
            headers = {k.lower(): v for k, v in self.headers.items()}
            verdict = "unchecked"
            if verifier is not None:
                try:
                    verifier.verify(body, headers)
                    verdict = "signature ok"
                except WebhookVerificationError as error:
                    verdict = f"BAD SIGNATURE ({error})"
            status = 500 if state["fail"] > 0 else 200
            state["fail"] -= 1
            event = json.loads(body)
            print(f"{status}  {headers.get('webhook-id')}  {event.get('type')}  {verdict}", flush=True)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *rest: Any) -> None:
            return

    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print(f"receiving webhooks on http://127.0.0.1:{args.port}/hooks (Ctrl+C stops)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
