"""Drives the API the way a storefront does: through the local API Gateway emulation (route
matching, payload 2.0 events) into the real handlers, which check the key themselves, without a socket."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from local.apigw import Request
from local.gateway import Gateway
from local.template import Template


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: Any

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


class Api:
    def __init__(self, template: Template, key: str | None = None) -> None:
        self.gateway = Gateway(template)
        self.key = key

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        key: str | None = None,
        raw: bytes | None = None,
        query: str = "",
        headers: dict[str, str] | None = None,
    ) -> Answer:
        sent = dict(headers or {})
        use_key = key if key is not None else self.key
        if use_key:
            sent.setdefault("Authorization", f"Bearer {use_key}")
        payload = raw if raw is not None else (b"" if body is None else json.dumps(body).encode())
        if payload:
            sent.setdefault("Content-Type", "application/json")
        request = Request(method=method, raw_path=path, raw_query=query, headers=list(sent.items()), body=payload)
        response = self.gateway.handle(request, "localhost")
        answer_headers = {name.lower(): value for name, value in response.headers}
        text = response.body.decode() if response.body else ""
        parsed = json.loads(text) if text and "json" in answer_headers.get("content-type", "") else text
        return Answer(response.status, answer_headers, parsed)

    def get(self, path: str, **kwargs: Any) -> Answer:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Answer:
        return self.call("POST", path, body, **kwargs)

    def put(self, path: str, body: Any = None, **kwargs: Any) -> Answer:
        return self.call("PUT", path, body, **kwargs)

    def patch(self, path: str, body: Any = None, **kwargs: Any) -> Answer:
        return self.call("PATCH", path, body, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Answer:
        return self.call("DELETE", path, **kwargs)


def member_token(api: Api, member_id: str, **body: Any) -> str:
    """A member token for ``member_id``, as a storefront's server asks for one (``api`` holds its key)."""
    answer = api.post(f"/v1/members/{member_id}/tokens", body)
    assert answer.status == 201, answer.body
    token: str = answer.body["token"]
    return token
