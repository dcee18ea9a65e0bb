"""What the functions send to X-Ray holds no member's personal data: a trace is kept for 30 days, where
erasure (DELETE /v1/admin/members/{id}) cannot reach it.

The X-Ray SDK is switched on for the test with an emitter that keeps every segment and subsegment it
would send to the daemon, as Lambda's would with Tracing: Active. The requests answer with a member's
email (enrollment, the member, the admin's search and export), and one route raises (an unknown
campaign). Each route must still show as a subsegment of its own, named for its function, with the
failure marked on the one that raised.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from aws_xray_sdk import global_sdk_config
from aws_xray_sdk.core.context import Context
from aws_xray_sdk.core.recorder import AWSXRayRecorder

from harness.api import Api
from tests.service.security.test_logs import EMAIL

ADA = "ada.lovelace@example.com"


class KeptEmitter:
    """The X-Ray SDK's emitter interface (UDPEmitter's), keeping what it is given instead of sending it."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def send_entity(self, entity: Any) -> None:
        self.sent.append(json.loads(entity.serialize()))

    def set_daemon_address(self, address: str | None) -> None:
        pass


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[AWSXRayRecorder, KeptEmitter]]:
    """The functions' Tracer on a recorder of its own, sampling every request, its SDK switched on."""
    from loyalty.entrypoints import observability

    emitter = KeptEmitter()
    own = AWSXRayRecorder()
    own.configure(emitter=emitter, context=Context(), sampling=False, context_missing="RUNTIME_ERROR")
    monkeypatch.setattr(observability.tracer, "provider", own)
    was_enabled = global_sdk_config.sdk_enabled()
    global_sdk_config.set_sdk_enabled(True)
    try:
        yield own, emitter
    finally:
        global_sdk_config.set_sdk_enabled(was_enabled)


def subsegments(entity: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for child in entity.get("subsegments", []):
        yield child
        yield from subsegments(child)


@pytest.mark.parametrize("aws", ["moto"], indirect=True)
def test_traces_name_each_route_and_hold_no_email(
    admin_api: Api, api: Api, recorder: tuple[AWSXRayRecorder, KeptEmitter]
) -> None:
    own, emitter = recorder
    own.begin_segment("loyalty-requests")  # Lambda's facade segment, one per invocation there
    assert api.post("/v1/members", {"member_id": "m-ada", "email": ADA}).status == 201
    assert api.get("/v1/members/m-ada").body["email"] == ADA
    assert admin_api.get("/v1/admin/members", query=f"email={ADA}").body["items"][0]["member_id"] == "m-ada"
    assert admin_api.get("/v1/admin/members/m-ada/export").body["member"]["email"] == ADA
    assert admin_api.get("/v1/admin/campaigns/no-such-campaign").status == 404
    own.end_segment()

    sent = json.dumps(emitter.sent)
    assert emitter.sent, "the recorder sent nothing: the test would prove nothing"
    found = EMAIL.search(sent)
    assert found is None, f"a trace holds an email address: {sent[max(0, found.start() - 300) : found.end()]}"
    traced = {child["name"]: child for sent_entity in emitter.sent for child in subsegments(sent_entity)}
    for route in ("## enroll", "## get_member", "## find_member", "## export_member", "## get_campaign"):
        assert route in traced, f"{route} was not traced: {sorted(traced)}"
    failed = traced["## get_campaign"]
    assert failed.get("fault") or failed.get("error"), failed
    assert failed["cause"]["exceptions"][0]["type"] == "NotFound"
    assert not traced["## export_member"].get("fault")
