"""A shop's token route: POST /loyalty-token gives the signed-in shopper a member token for <loyalty-panel>."""

import json
import os
import urllib.error
import urllib.request
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote

API = os.environ["LOYALTY_API"]  # https://<api id>.execute-api.<region>.amazonaws.com
KEY = os.environ["LOYALTY_STOREFRONT_KEY"]  # a storefront key: it never leaves the server
SESSIONS = dict(pair.split("=") for pair in os.environ.get("SESSIONS", "").split(",") if pair)  # your session store


class TokenRoute(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        session = SimpleCookie(self.headers.get("Cookie", "")).get("session")
        member_id = SESSIONS.get(session.value) if session else None  # who is signed in: the shop knows
        if self.path != "/loyalty-token" or member_id is None:
            return self.send_error(404 if self.path != "/loyalty-token" else 401)
        ask = urllib.request.Request(
            f"{API}/v1/members/{quote(member_id, safe='')}/tokens",
            data=json.dumps({"ttl_seconds": 900}).encode(),
            headers={"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(ask, timeout=10) as answer:  # 201 {"token": "...", "expires_at": "..."}
                body = answer.read()
        except urllib.error.URLError:  # the API refused (an erased member, a revoked key) or is unreachable
            return self.send_error(502)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)


ThreadingHTTPServer(("127.0.0.1", int(os.environ.get("PORT", "8080"))), TokenRoute).serve_forever()
